/**
 * @module Verifies OIDC JWTs (RFC 7519, RFC 8725 best practices) against the configured issuer's JWKS and maps
 * them to a principal: `jwt:<issuer>#<subject>`, plus the role bindings named by its roles claim.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { OidcConfig } from '../config/index.ts';
import { digestsEqual } from '../domain/keys/index.ts';
import type { Principal } from '../domain/principal.ts';
import { isScope, PLATFORM_SCOPE, parseScope, RoleNameSchema } from '../domain/rbac/index.ts';

/** A role granted by the token itself, not by a stored binding; allow only (a token cannot carry a deny). */
export interface ClaimBinding {
  role: string;
  scope: string;
}

export interface JwtPrincipal extends Principal {
  type: 'jwt';
  claimBindings: readonly ClaimBinding[];
  /**
   * The OAuth scopes the token was issued for (`scope`, space-separated, or `scp`), or null when it names none.
   * When present they narrow the token: a surface whose permissions are not all among them is refused with
   * `insufficient_scope` (RFC 6750 §3.1), whatever the roles allow.
   */
  scopes: readonly string[] | null;
}

export type JwtFailure =
  | { ok: false; reason: 'invalid_token'; detail: string }
  | { ok: false; reason: 'token_expired'; detail: string }
  | { ok: false; reason: 'identity_unavailable'; detail: string };

export type JwtVerification = { ok: true; principal: JwtPrincipal } | JwtFailure;

/** What an OIDC ID token from the console's login must also satisfy: its audience is the client, its nonce ours. */
export interface IdTokenExpectation {
  audience: string;
  nonce: string;
}

export interface JwtVerifier {
  /** A bearer JWT; with `idToken`, an ID token from the authorization-code login (OpenID Connect Core §3.1.3.7). */
  verify(token: string, idToken?: IdTokenExpectation): Promise<JwtVerification>;
}

/** Three base64url segments; an unsigned (`alg: none`) token has an empty third one. Never a `gh_`/`gha_` key. */
const JWT_SHAPE = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/;

export function looksLikeJwt(token: string): boolean {
  return JWT_SHAPE.test(token);
}

const ROLE_NAME = new RegExp(String(RoleNameSchema.pattern));
const SUBJECT = /^\S{1,256}$/;
const MAX_CLAIM_BINDINGS = 64;

/**
 * Reads the roles claim: an array of strings or one space-separated string (the RFC 8693 `scope` convention).
 * `<role>` binds at the platform, `<role>@<scope>` at that scope. Malformed entries are dropped rather than failing
 * the token: an IdP that adds an unrelated group must not lock its users out, and dropping can only narrow access.
 */
export function parseRolesClaim(value: unknown): ClaimBinding[] {
  const entries = typeof value === 'string' ? value.split(/\s+/) : Array.isArray(value) ? value : [];
  const bindings: ClaimBinding[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'string' || entry.length === 0 || entry.length > 200) continue;
    const at = entry.indexOf('@');
    const role = at === -1 ? entry : entry.slice(0, at);
    const scope = at === -1 ? PLATFORM_SCOPE : entry.slice(at + 1);
    if (!ROLE_NAME.test(role) || !isScope(scope)) continue;
    if (!bindings.some((b) => b.role === role && b.scope === scope)) bindings.push({ role, scope });
    if (bindings.length === MAX_CLAIM_BINDINGS) break;
  }
  return bindings;
}

/** The one org every claim binding sits in, so org-scoped surfaces (`principal` scope) resolve there; else null. */
function tenantOf(bindings: readonly ClaimBinding[]): string | null {
  let tenant: string | null = null;
  for (const binding of bindings) {
    const parsed = parseScope(binding.scope);
    if (parsed === null || parsed.kind === 'platform') return null;
    if (tenant !== null && tenant !== parsed.org) return null;
    tenant = parsed.org;
  }
  return tenant;
}

/** The one team the claim bindings name, if they name exactly one: MCP tool policies are per team. */
function teamOf(bindings: readonly ClaimBinding[]): string | null {
  let team: string | null = null;
  for (const binding of bindings) {
    const parsed = parseScope(binding.scope);
    if (parsed === null || parsed.kind !== 'team') continue;
    if (team !== null && team !== parsed.team) return null;
    team = parsed.team;
  }
  return team;
}

const MAX_SCOPES = 64;

function scopesOf(payload: JWTPayload): string[] | null {
  const raw = payload.scope ?? payload.scp;
  const list = typeof raw === 'string' ? raw.split(/\s+/) : Array.isArray(raw) ? raw : null;
  if (list === null) return null;
  return list.filter((s): s is string => typeof s === 'string' && s.length > 0 && s.length <= 100).slice(0, MAX_SCOPES);
}

export function claimBindingsOf(principal: Principal): readonly ClaimBinding[] {
  return principal.type === 'jwt' && 'claimBindings' in principal ? (principal as JwtPrincipal).claimBindings : [];
}

function toPrincipal(config: OidcConfig, payload: JWTPayload): JwtVerification {
  const subject = payload[config.principalClaim];
  if (typeof subject !== 'string' || !SUBJECT.test(subject)) {
    return { ok: false, reason: 'invalid_token', detail: `claim "${config.principalClaim}" is missing or malformed` };
  }
  const claimBindings = parseRolesClaim(payload[config.rolesClaim]);
  const tenantId = tenantOf(claimBindings);
  const teamId = teamOf(claimBindings);
  const email = typeof payload.email === 'string' && payload.email.length <= 320 ? payload.email : null;
  return {
    ok: true,
    principal: {
      type: 'jwt',
      id: `${config.issuer}#${subject}`,
      tenantId,
      // A team without its tenant cannot be: both come from the same bindings, or neither does.
      teamId: tenantId === null ? null : teamId,
      name: email ?? subject,
      settings: {},
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : null,
      claimBindings,
      scopes: scopesOf(payload),
    },
  };
}

/** Maps jose's failures to the two client-facing codes, and anything else (JWKS down) to a fail-closed 503. */
function toFailure(error: unknown): JwtFailure {
  if (error instanceof errors.JWTExpired)
    return { ok: false, reason: 'token_expired', detail: 'the token has expired' };
  if (error instanceof errors.JWTClaimValidationFailed) {
    return { ok: false, reason: 'invalid_token', detail: `claim "${error.claim}" ${error.reason}` };
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return { ok: false, reason: 'invalid_token', detail: 'the signing algorithm is not allowed' };
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return { ok: false, reason: 'invalid_token', detail: 'no key of the issuer matches the token (kid)' };
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return { ok: false, reason: 'invalid_token', detail: 'the signature does not verify' };
  }
  if (
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JWKInvalid
  ) {
    return { ok: false, reason: 'invalid_token', detail: 'the token is malformed' };
  }
  return { ok: false, reason: 'identity_unavailable', detail: 'the issuer keys cannot be fetched' };
}

export interface JwtVerifierOptions {
  /** JWKS HTTP timeout; jose's default is 5 s. */
  timeoutMs?: number;
  /** Minimum time between JWKS refetches on an unknown `kid` (jose's cooldown), so bad tokens cannot flood the IdP. */
  cooldownMs?: number;
}

/**
 * Checks signature (against the JWKS, fetched once and cached, refetched on an unknown `kid` at most once per
 * cooldown), `iss`, `aud`, `exp` (required) and `nbf`, with the configured clock tolerance. The algorithm is
 * checked from the header before any key is looked up, so `alg: none` and HS* never reach a key.
 */
export function createJwtVerifier(config: OidcConfig, options: JwtVerifierOptions = {}): JwtVerifier {
  const keys: JWTVerifyGetKey = config.jwksUri
    ? createRemoteJWKSet(new URL(config.jwksUri), {
        timeoutDuration: options.timeoutMs ?? 5000,
        cooldownDuration: options.cooldownMs ?? 30_000,
      })
    : createLocalJWKSet(config.jwks as Parameters<typeof createLocalJWKSet>[0]);
  const allowed: ReadonlySet<string> = new Set(config.algorithms);
  return {
    async verify(token, idToken) {
      if (!looksLikeJwt(token)) return { ok: false, reason: 'invalid_token', detail: 'the token is malformed' };
      let alg: unknown;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        return { ok: false, reason: 'invalid_token', detail: 'the token header is malformed' };
      }
      if (typeof alg !== 'string' || !allowed.has(alg)) {
        return { ok: false, reason: 'invalid_token', detail: 'the signing algorithm is not allowed' };
      }
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: config.issuer,
          audience: idToken?.audience ?? config.audience,
          algorithms: config.algorithms,
          clockTolerance: config.clockToleranceS,
          requiredClaims: idToken ? ['exp', 'nonce'] : ['exp'],
        });
        // The nonce binds the ID token to this browser's login attempt: a token captured from another login
        // (or replayed) fails here even though its signature is good.
        if (idToken && !(typeof payload.nonce === 'string' && digestsEqual(payload.nonce, idToken.nonce))) {
          return { ok: false, reason: 'invalid_token', detail: 'the nonce does not match this login' };
        }
        return toPrincipal(config, payload);
      } catch (error) {
        return toFailure(error);
      }
    },
  };
}
