/**
 * @module The capability token's claims (seed 000 "TGA capabilities", reference §D.2): a supervisor's
 * Ed25519 JWS saying "principal `sub` may call `tool` on `server`, pinned at `tool_sha256`, with arguments
 * matching `args`, at most `max_uses` times, between `nbf` and `exp`". Strict: an unknown claim is refused
 * rather than ignored, so a supervisor never believes a restriction applies that the gateway cannot see.
 * Exported to `contracts/schemas/capability-claims.schema.json`.
 */
import { type Static, Type } from '@sinclair/typebox';
import { ArgPredicateListSchema } from './predicates.ts';
import { SERVER_ID_PATTERN } from './server-id.ts';

/** JOSE `typ` every capability carries (RFC 8725 §3.11 explicit typing): another JWT from the same key never passes. */
export const CAPABILITY_TYP = 'gatehouse-capability+jwt';
export const CAPABILITY_ALG = 'EdDSA';

const Hex256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const NumericDate = Type.Integer({ minimum: 0, maximum: 253402300799 });

export const CapabilityArgsSchema = Type.Union([
  Type.Object({ sha256: Hex256 }, { additionalProperties: false, description: 'SHA-256 of the JCS arguments' }),
  Type.Object(
    { match: ArgPredicateListSchema },
    { additionalProperties: false, description: 'predicates over the arguments' },
  ),
]);

export const CapabilityClaimsSchema = Type.Object(
  {
    iss: Type.String({ minLength: 1, maxLength: 256 }),
    sub: Type.String({ minLength: 1, maxLength: 256, description: 'the principal (key id) allowed to use it' }),
    aud: Type.String({ minLength: 1, maxLength: 256, description: 'this gateway (its capability audience)' }),
    server: Type.String({ pattern: SERVER_ID_PATTERN }),
    tool: Type.String({ minLength: 1, maxLength: 128 }),
    tool_sha256: Hex256,
    args: CapabilityArgsSchema,
    exp: NumericDate,
    nbf: Type.Optional(NumericDate),
    iat: Type.Optional(NumericDate),
    jti: Type.String({ minLength: 8, maxLength: 128, pattern: '^[A-Za-z0-9._~-]+$' }),
    max_uses: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);
export type CapabilityClaims = Static<typeof CapabilityClaimsSchema>;
