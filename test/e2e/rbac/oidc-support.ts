/**
 * @module A local OpenID Connect issuer for tests: key pairs for every accepted algorithm, a JWKS served from a real
 * HTTP server on 127.0.0.1:0, and a signer that can also produce the tokens a gateway must refuse.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export const ISSUER = 'https://idp.example.test';
export const AUDIENCE = 'https://gatehouse.example.test';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface TestIssuer {
  jwksUri: string;
  /** How many times the JWKS was fetched (the gateway caches it). */
  fetches(): number;
  sign(
    claims: JWTPayload,
    options?: {
      alg?: 'RS256' | 'ES256' | 'EdDSA';
      kid?: string;
      /** `null` leaves `exp` out. */
      expiresIn?: string | number | null;
      issuer?: string;
      audience?: string;
    },
  ): Promise<string>;
  /** Signed by a key whose `kid` the JWKS does not list. */
  signWithUnknownKid(claims: JWTPayload): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const keys = new Map<string, { alg: 'RS256' | 'ES256' | 'EdDSA'; privateKey: SigningKey; jwk: JWK }>();
  for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
    const pair = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: `key-${alg}`, alg, use: 'sig' };
    keys.set(alg, { alg, privateKey: pair.privateKey, jwk });
  }
  const ghost = await generateKeyPair('RS256');
  let fetches = 0;
  const server: Server = createServer((request, response) => {
    if (request.url !== '/jwks') {
      response.writeHead(404).end();
      return;
    }
    fetches += 1;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: [...keys.values()].map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const sign: TestIssuer['sign'] = async (claims, options = {}) => {
    const alg = options.alg ?? 'RS256';
    const key = keys.get(alg);
    if (!key) throw new Error(`no key for ${alg}`);
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg, kid: options.kid ?? key.jwk.kid, typ: 'JWT' })
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setIssuedAt();
    if (options.expiresIn !== null) jwt.setExpirationTime(options.expiresIn ?? '5m');
    return jwt.sign(key.privateKey);
  };

  return {
    jwksUri: `http://127.0.0.1:${port}/jwks`,
    fetches: () => fetches,
    sign,
    signWithUnknownKid: (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'ghost' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(ghost.privateKey),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An unsigned JWT (RFC 7519 §6): what a forger sends when it hopes `alg: none` is accepted. */
export function unsignedToken(claims: JWTPayload): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ iss: ISSUER, aud: AUDIENCE, exp: now + 300, ...claims })}.`;
}

export function oidcYaml(jwksUri: string, extra = ''): string {
  return [
    'oidc:',
    `  issuer: ${ISSUER}`,
    `  audience: ${AUDIENCE}`,
    `  jwks_uri: ${jwksUri}`,
    '  clock_tolerance_s: 5',
    '  roles_claim: gatehouse_roles',
    extra,
  ].join('\n');
}
