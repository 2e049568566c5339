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
    /** Browser sign-in to the console (authorization code + PKCE); omitted, the console offers only token sign-in. */
    console: Type.Optional(
      Type.Object(
        {
          client_id: Type.String({ minLength: 1, maxLength: 256 }),
          authorization_endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
          token_endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
          redirect_uri: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
          scopes: Type.Optional(Type.Array(Type.String({ pattern: '^[\\x21-\\x7e]{1,128}$' }), { maxItems: 32 })),
        },
        { additionalProperties: false },
      ),
    ),
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
  /** The console's OIDC login, or null when only token sign-in is offered. */
  console: OidcConsoleConfig | null;
}

export interface OidcConsoleConfig {
  clientId: string;
  /** `GATEHOUSE_OIDC_CLIENT_SECRET`, for confidential clients (sent as HTTP Basic); null for a public PKCE client. */
  clientSecret: string | null;
  /** Null: read from the issuer's discovery document on first login. */
  authorizationEndpoint: string | null;
  tokenEndpoint: string | null;
  redirectUri: string;
  scopes: string[];
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.');
}

function checkHttpsUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(field, 'is not a valid URL');
  }
  // Keys, codes and tokens over plain HTTP could be read or swapped in transit; loopback is allowed for local IdPs
  // and tests.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new ConfigError(field, 'must use https (http only on a loopback host)');
  }
  return value;
}

function resolveConsoleLogin(
  section: OidcSection['console'],
  publicUrl: string | null,
  clientSecret: string | undefined,
): OidcConsoleConfig | null {
  if (section === undefined) return null;
  const redirectUri = section.redirect_uri ?? (publicUrl === null ? null : `${publicUrl}/console/oidc/callback`);
  if (redirectUri === null) {
    throw new ConfigError('oidc.console.redirect_uri', 'is required when GATEHOUSE_PUBLIC_URL is not set');
  }
  return {
    clientId: section.client_id,
    clientSecret: clientSecret === undefined || clientSecret === '' ? null : clientSecret,
    authorizationEndpoint:
      section.authorization_endpoint === undefined
        ? null
        : checkHttpsUrl(section.authorization_endpoint, 'oidc.console.authorization_endpoint'),
    tokenEndpoint:
      section.token_endpoint === undefined
        ? null
        : checkHttpsUrl(section.token_endpoint, 'oidc.console.token_endpoint'),
    redirectUri: checkHttpsUrl(redirectUri, 'oidc.console.redirect_uri'),
    scopes: section.scopes ?? ['openid', 'profile', 'email'],
  };
}

/**
 * Resolves the section. The audience defaults to this gateway's public URL (`GATEHOUSE_PUBLIC_URL`, or
 * `public_url`): a token minted for another relying party must not be accepted here (RFC 8725 §3.9).
 */
export function resolveOidcConfig(
  section: OidcSection | undefined,
  publicUrl: string | null,
  clientSecret?: string,
): OidcConfig | null {
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
    jwksUri: section.jwks_uri === undefined ? null : checkHttpsUrl(section.jwks_uri, 'oidc.jwks_uri'),
    jwks: section.jwks ?? null,
    algorithms: [...(section.algorithms ?? OIDC_ALGORITHMS)],
    clockToleranceS: section.clock_tolerance_s ?? 30,
    principalClaim: section.principal_claim ?? 'sub',
    rolesClaim: section.roles_claim ?? 'gatehouse_roles',
    console: resolveConsoleLogin(section.console, publicUrl, clientSecret),
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
