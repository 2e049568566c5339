/**
 * @module A real OpenID Connect provider on 127.0.0.1:0, for browser sign-in tests: discovery, an authorization
 * endpoint that signs the configured user in at once (no login form) and redirects back with a code, a token
 * endpoint that checks the PKCE verifier (RFC 7636 S256) and issues an ES256 ID token carrying the nonce, and the
 * JWKS. Tests can make the next login misbehave (wrong nonce, wrong audience) to exercise the gateway's checks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export interface FakeIdpUser {
  sub: string;
  email: string;
  roles: string[];
}

export interface FakeOidcProvider {
  issuer: string;
  clientId: string;
  /** Who the next authorization signs in. */
  user: FakeIdpUser;
  /** Makes the next ID token carry another nonce, or another audience. */
  tamper: 'nonce' | 'audience' | null;
  /** Token requests seen, with whether their PKCE verifier matched. */
  exchanges: Array<{ pkceOk: boolean }>;
  close(): Promise<void>;
}

interface PendingCode {
  challenge: string;
  nonce: string;
  redirectUri: string;
  user: FakeIdpUser;
}

export async function startFakeOidcProvider(clientId = 'gatehouse-console'): Promise<FakeOidcProvider> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
  const codes = new Map<string, PendingCode>();
  let server: Server | null = null;
  const provider: FakeOidcProvider = {
    issuer: '',
    clientId,
    user: { sub: 'alice', email: 'alice@example.com', roles: ['platform-admin'] },
    tamper: null,
    exchanges: [],
    close: () => new Promise((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', provider.issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: provider.issuer,
        authorization_endpoint: `${provider.issuer}/authorize`,
        token_endpoint: `${provider.issuer}/token`,
        jwks_uri: `${provider.issuer}/jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        id_token_signing_alg_values_supported: ['ES256'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      const params = url.searchParams;
      if (params.get('client_id') !== clientId || params.get('code_challenge_method') !== 'S256') {
        return json(400, { error: 'invalid_request' });
      }
      const code = randomBytes(16).toString('hex');
      codes.set(code, {
        challenge: params.get('code_challenge') ?? '',
        nonce: params.get('nonce') ?? '',
        redirectUri: params.get('redirect_uri') ?? '',
        user: provider.user,
      });
      const back = new URL(params.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', params.get('state') ?? '');
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let raw = '';
      req.on('data', (chunk: Buffer) => {
        raw += chunk.toString('utf8');
      });
      req.on('end', async () => {
        const form = new URLSearchParams(raw);
        const pending = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const pkceOk =
          pending !== undefined && createHash('sha256').update(verifier).digest('base64url') === pending.challenge;
        provider.exchanges.push({ pkceOk });
        if (!pending || !pkceOk || form.get('redirect_uri') !== pending.redirectUri) {
          return json(400, { error: 'invalid_grant' });
        }
        const tamper = provider.tamper;
        provider.tamper = null;
        const idToken = await new SignJWT({
          nonce: tamper === 'nonce' ? 'not-the-nonce' : pending.nonce,
          email: pending.user.email,
          gatehouse_roles: pending.user.roles,
        })
          .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
          .setIssuer(provider.issuer)
          .setSubject(pending.user.sub)
          .setAudience(tamper === 'audience' ? 'someone-else' : clientId)
          .setIssuedAt()
          .setExpirationTime('10m')
          .sign(privateKey);
        json(200, { access_token: 'opaque', token_type: 'Bearer', expires_in: 600, id_token: idToken });
      });
      return;
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  provider.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return provider;
}
