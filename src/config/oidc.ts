/**
 * @module The `oidc:` section: which OpenID Connect issuer may mint JWTs that Gatehouse accepts on surfaces whose
 * auth includes `jwt` (the admin API), and how claims map to a principal and to role bindings.
 */
import { type Static, Type } from '@sinclair/typebox';
import { ConfigError } from './errors.ts';

/**
 * Asymmetric algorithms only. HS* would make every relying party that knows the shared secret an issuer (a shared
 * HS256 admin secret is exactly that hole), and `none` is no signature at all (RFC 8725 §3.1, §3.2).
 */
export const OIDC_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export type OidcAlgorithm = (typeof OIDC_ALGORITHMS)[number];

const Jwk = Type.Object(
  {
    kty: Type.Union([Type.Literal('RSA'), Type.Literal('EC'), Type.Literal('OKP')]),
    kid: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  // A JWK carries algorithm-specific members (n, e, x, y, crv, use, alg…); jose validates them on import.
  { additionalProperties: true },
);

const ClaimName = Type.String({ pattern: '^[A-Za-z0-9_:./-]{1,128}$' });

export const OidcSectionSchema = Type.Object(
  {
    issuer: Type.String({ minLength: 1, maxLength: 512, pattern: '^[^#\\s]+$' }),
    audience: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    jwks_uri: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    jwks: Type.Optional(
      Type.Object({ keys: Type.Array(Jwk, { minItems: 1, maxItems: 100 }) }, { additionalProperties: false }),
    ),
    algorithms: Type.Optional(
      Type.Array(Type.Union(OIDC_ALGORITHMS.map((alg) => Type.Literal(alg))), { minItems: 1, uniqueItems: true }),
    ),
    clock_tolerance_s: Type.Optional(Type.Integer({ minimum: 0, maximum: 300 })),
    principal_claim: Type.Optional(ClaimName),
    roles_claim: Type.Optional(ClaimName),
  },
  { additionalProperties: false },
);

export type OidcSection = Static<typeof OidcSectionSchema>;

export interface OidcConfig {
  issuer: string;
  audience: string;
  jwksUri: string | null;
  jwks: { keys: Array<Record<string, unknown>> } | null;
  algorithms: OidcAlgorithm[];
  clockToleranceS: number;
  principalClaim: string;
  rolesClaim: string;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.');
}

function checkJwksUri(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('oidc.jwks_uri', 'is not a valid URL');
  }
  // Keys fetched over plain HTTP could be swapped in transit; loopback is allowed for local IdPs and tests.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new ConfigError('oidc.jwks_uri', 'must use https (http only on a loopback host)');
  }
  return value;
}

/**
 * Resolves the section. The audience defaults to this gateway's public URL (`GATEHOUSE_PUBLIC_URL`, or
 * `public_url`): a token minted for another relying party must not be accepted here (RFC 8725 §3.9).
 */
export function resolveOidcConfig(section: OidcSection | undefined, publicUrl: string | null): OidcConfig | null {
  if (section === undefined) return null;
  if ((section.jwks_uri === undefined) === (section.jwks === undefined)) {
    throw new ConfigError('oidc', 'set exactly one of jwks_uri or jwks');
  }
  const audience = section.audience ?? publicUrl;
  if (audience === null) {
    throw new ConfigError('oidc.audience', 'is required when GATEHOUSE_PUBLIC_URL is not set');
  }
  return {
    issuer: section.issuer,
    audience,
    jwksUri: section.jwks_uri === undefined ? null : checkJwksUri(section.jwks_uri),
    jwks: section.jwks ?? null,
    algorithms: [...(section.algorithms ?? OIDC_ALGORITHMS)],
    clockToleranceS: section.clock_tolerance_s ?? 30,
    principalClaim: section.principal_claim ?? 'sub',
    rolesClaim: section.roles_claim ?? 'gatehouse_roles',
  };
}

/** `GATEHOUSE_PUBLIC_URL` (or the file's `public_url`): the gateway's external origin, http(s) only. */
export function resolvePublicUrl(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('GATEHOUSE_PUBLIC_URL', 'is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError('GATEHOUSE_PUBLIC_URL', 'must use http or https');
  }
  return value.replace(/\/+$/, '');
}
