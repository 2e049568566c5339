/**
 * @module Capability verification: signature, header, claims, audience, subject, time, tool, pin and
 * arguments, in that order, each failure a stable reason. Consuming the `jti` (single use) is the caller's
 * job, after this returns ok and before the tool runs: it needs shared state, and domain code has none.
 */
import { Value } from '@sinclair/typebox/value';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { canonicalSha256 } from './canonical.ts';
import { CAPABILITY_ALG, CAPABILITY_TYP, type CapabilityClaims, CapabilityClaimsSchema } from './claims.ts';
import type { CapabilityKey } from './keys.ts';
import { firstFailingPredicate } from './predicates.ts';

export const CAPABILITY_REASONS = [
  'malformed',
  'unsupported_alg',
  'wrong_type',
  'unknown_key',
  'bad_signature',
  'invalid_claims',
  'wrong_audience',
  'wrong_subject',
  'not_yet_valid',
  'expired',
  'lifetime_too_long',
  'wrong_server',
  'wrong_tool',
  'wrong_pin',
  'wrong_arguments',
  'replayed',
] as const;
export type CapabilityReason = (typeof CAPABILITY_REASONS)[number];

/** What the gateway knows about the call the token is presented for. */
export interface CapabilityContext {
  audience: string;
  subject: string;
  server: string;
  tool: string;
  toolSha256: string;
  args: unknown;
  /** Epoch milliseconds, from the caller's clock (tests pass a fixed one). */
  now: number;
  /** Longest accepted `exp - (nbf ?? iat)`; long-lived grants defeat the point of a per-call capability. */
  maxLifetimeSeconds: number;
  clockSkewSeconds: number;
}

export type CapabilityVerdict =
  | { ok: true; claims: CapabilityClaims; kid: string }
  | { ok: false; reason: CapabilityReason; detail: string; jti: string | null };

const MAX_TOKEN_LENGTH = 8192;

function fail(reason: CapabilityReason, detail: string, jti: string | null = null): CapabilityVerdict {
  return { ok: false, reason, detail, jti };
}

function selectKey(keys: readonly CapabilityKey[], kid: unknown): CapabilityKey | null {
  if (typeof kid === 'string') return keys.find((entry) => entry.kid === kid) ?? null;
  return keys.length === 1 ? (keys[0] ?? null) : null;
}

function checkClaims(claims: CapabilityClaims, context: CapabilityContext): CapabilityVerdict {
  const { jti } = claims;
  if (claims.aud !== context.audience) return fail('wrong_audience', `aud is not ${context.audience}`, jti);
  if (claims.sub !== context.subject) return fail('wrong_subject', 'issued to another principal', jti);
  const now = Math.floor(context.now / 1000);
  const skew = context.clockSkewSeconds;
  const start = claims.nbf ?? claims.iat;
  if (start === undefined) return fail('invalid_claims', 'nbf or iat is required', jti);
  if (start > now + skew) return fail('not_yet_valid', 'nbf/iat is in the future', jti);
  if (claims.exp <= now - skew) return fail('expired', 'exp has passed', jti);
  if (claims.exp - start > context.maxLifetimeSeconds) {
    return fail('lifetime_too_long', `lifetime exceeds ${context.maxLifetimeSeconds} s`, jti);
  }
  if (claims.server !== context.server) return fail('wrong_server', 'issued for another server', jti);
  if (claims.tool !== context.tool) return fail('wrong_tool', 'issued for another tool', jti);
  if (claims.tool_sha256 !== context.toolSha256)
    return fail('wrong_pin', 'the tool definition changed since issuance', jti);
  if ('sha256' in claims.args) {
    if (canonicalSha256(context.args) !== claims.args.sha256)
      return fail('wrong_arguments', 'arguments hash differs', jti);
  } else if (firstFailingPredicate(context.args, claims.args.match) !== -1) {
    return fail('wrong_arguments', 'arguments do not satisfy the predicates', jti);
  }
  return { ok: true, claims, kid: '' };
}

/** Verifies `token` for one call. Never throws for a bad token; every refusal is a verdict. */
export async function verifyCapability(
  token: string,
  keys: readonly CapabilityKey[],
  context: CapabilityContext,
): Promise<CapabilityVerdict> {
  if (token.length > MAX_TOKEN_LENGTH || token.split('.').length !== 3) return fail('malformed', 'not a compact JWS');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return fail('malformed', 'the protected header is not valid');
  }
  // Checked before any key is touched: `alg: none` and HS256-keyed-with-the-public-key never reach a verifier.
  if (header.alg !== CAPABILITY_ALG) return fail('unsupported_alg', `alg ${String(header.alg)} is not EdDSA`);
  if (header.typ !== CAPABILITY_TYP) return fail('wrong_type', `typ must be ${CAPABILITY_TYP}`);
  if (header.crit !== undefined) return fail('malformed', 'crit header parameters are not supported');
  const entry = selectKey(keys, header.kid);
  if (entry === null) return fail('unknown_key', 'no configured issuer key matches kid');
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(token, entry.key, { algorithms: [CAPABILITY_ALG] }));
  } catch {
    return fail('bad_signature', 'the signature does not verify');
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return fail('malformed', 'the payload is not JSON');
  }
  if (!Value.Check(CapabilityClaimsSchema, claims)) {
    const first = Value.Errors(CapabilityClaimsSchema, claims).First();
    const jti =
      typeof (claims as { jti?: unknown })?.jti === 'string' ? ((claims as { jti: string }).jti as string) : null;
    return fail('invalid_claims', `${first?.path || 'claims'} ${first?.message ?? 'invalid'}`, jti);
  }
  const verdict = checkClaims(claims, context);
  return verdict.ok ? { ok: true, claims, kid: entry.kid } : verdict;
}
