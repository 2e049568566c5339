/**
 * @module Signed capabilities for guarded MCP tools: claims schema, issuer keys, verification and signing.
 * Pure: the atomic `jti` consume that makes a capability single-use lives in `src/mcp/`.
 *
 * @example
 * const keys = parseCapabilityKeys(process.env.GATEHOUSE_CAPABILITY_ISSUER_KEYS ?? '');
 * const verdict = await verifyCapability(token, keys, { audience, subject: principal.id, server, tool,
 *   toolSha256, args, now: Date.now(), maxLifetimeSeconds: 300, clockSkewSeconds: 30 });
 * if (verdict.ok && (await state.consumeOnce(`cap:${verdict.claims.jti}`, ttl, verdict.claims.max_uses ?? 1))) call();
 */
export {
  CAPABILITY_ALG,
  CAPABILITY_TYP,
  CapabilityArgsSchema,
  type CapabilityClaims,
  CapabilityClaimsSchema,
} from './claims.ts';
export { type CapabilityKey, CapabilityKeyError, ed25519Thumbprint, parseCapabilityKeys } from './keys.ts';
export { signCapability } from './sign.ts';
export {
  CAPABILITY_REASONS,
  type CapabilityContext,
  type CapabilityReason,
  type CapabilityVerdict,
  verifyCapability,
} from './verify.ts';
