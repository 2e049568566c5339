import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { readBody, sendWeb, toWebRequest } from './web-bridge.ts';

/**
 * A loopback OAuth authorization server: `/authorize` approves at once (redirecting to the client's
 * `redirect_uri` with a code), `/token` checks the PKCE verifier (S256) and serves the code, refresh and token
 * exchange grants, `/revoke` (RFC 7009) forgets a refresh token, and RFC 8414 metadata names them. Access tokens are
 * HMAC-signed claims (`sub`, `aud` = the requested resource) that `verify` checks, as an upstream would.
 */
export interface FakeAuthorizationServer {
  url: string;
  issuer: string;
  /** Who the next `/authorize` approves as. */
  subject: string;
  /** Lifetime of the access tokens it issues. */
  expiresIn: number;
  /** Access tokens are rejected (as by an upstream) when not issued for this audience, or expired. */
  verify(token: string, audience: string): { sub: string } | null;
  /** Counts per grant type, and of revocations. */
  counts: Record<string, number>;
  /** The subject tokens accepted for token exchange, mapped to the user they identify. */
  exchangeable: Map<string, string>;
  /** Every subject token presented for exchange, accepted or not. */
  subjectTokens: string[];
  /** Every access and refresh token it issued (for canary checks). */
  issued: string[];
  /** Makes `/authorize` answer with `error=access_denied`. */
  deny: boolean;
  revokeAll(): void;
  close(): Promise<void>;
}

const KEY = randomBytes(32);

function sign(claims: Record<string, unknown>): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${createHmac('sha256', KEY).update(body).digest('base64url')}`;
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startFakeAuthorizationServer(client: {
  id: string;
  secret: string;
}): Promise<FakeAuthorizationServer> {
  const codes = new Map<string, { challenge: string; sub: string; resource: string; redirect: string }>();
  const refreshTokens = new Map<string, { sub: string; resource: string }>();
  const counts: Record<string, number> = {};
  const bump = (name: string) => {
    counts[name] = (counts[name] ?? 0) + 1;
  };
  const server: Server = createServer(async (request, reply) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const json = (status: number, body: unknown) => {
      reply.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      reply.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/oauth-authorization-server') {
      return json(200, {
        issuer: fake.issuer,
        authorization_endpoint: `${fake.url}/authorize`,
        token_endpoint: `${fake.url}/token`,
        revocation_endpoint: `${fake.url}/revoke`,
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      const redirect = new URL(q.get('redirect_uri') ?? '');
      redirect.searchParams.set('state', q.get('state') ?? '');
      if (fake.deny || q.get('code_challenge_method') !== 'S256' || q.get('client_id') !== client.id) {
        redirect.searchParams.set('error', 'access_denied');
      } else {
        const code = randomBytes(16).toString('hex');
        codes.set(code, {
          challenge: q.get('code_challenge') ?? '',
          sub: fake.subject,
          resource: q.get('resource') ?? '',
          redirect: redirect.origin + redirect.pathname,
        });
        redirect.searchParams.set('code', code);
      }
      reply.writeHead(302, { location: redirect.toString() });
      return reply.end();
    }
    if (url.pathname === '/token' || url.pathname === '/revoke') {
      const expected = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
      if (request.headers.authorization !== expected) return json(401, { error: 'invalid_client' });
      const form = await readForm(request);
      if (url.pathname === '/revoke') {
        bump('revoke');
        refreshTokens.delete(form.get('token') ?? '');
        reply.writeHead(200);
        return reply.end();
      }
      const grant = form.get('grant_type') ?? '';
      bump(grant);
      let sub: string;
      let resource = form.get('resource') ?? '';
      if (grant === 'authorization_code') {
        const entry = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const challenge = createHash('sha256')
          .update(form.get('code_verifier') ?? '')
          .digest('base64url');
        if (!entry || entry.challenge !== challenge || entry.redirect !== form.get('redirect_uri'))
          return json(400, { error: 'invalid_grant' });
        sub = entry.sub;
        resource = entry.resource;
      } else if (grant === 'refresh_token') {
        const entry = refreshTokens.get(form.get('refresh_token') ?? '');
        if (!entry) return json(400, { error: 'invalid_grant' });
        refreshTokens.delete(form.get('refresh_token') ?? '');
        sub = entry.sub;
        resource = entry.resource;
      } else if (grant === 'urn:ietf:params:oauth:grant-type:token-exchange') {
        fake.subjectTokens.push(form.get('subject_token') ?? '');
        const user = fake.exchangeable.get(form.get('subject_token') ?? '');
        if (!user) return json(400, { error: 'invalid_grant' });
        sub = user;
      } else {
        return json(400, { error: 'unsupported_grant_type' });
      }
      const refresh = randomBytes(16).toString('hex');
      refreshTokens.set(refresh, { sub, resource });
      const access = sign({ sub, aud: resource, exp: Date.now() + fake.expiresIn * 1000, n: randomBytes(4) });
      fake.issued.push(access, refresh);
      return json(200, {
        access_token: access,
        token_type: 'Bearer',
        expires_in: fake.expiresIn,
        refresh_token: refresh,
      });
    }
    reply.writeHead(404);
    reply.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const fake: FakeAuthorizationServer = {
    url: `http://127.0.0.1:${port}`,
    issuer: `http://127.0.0.1:${port}`,
    subject: 'alice',
    expiresIn: 3600,
    counts,
    issued: [],
    exchangeable: new Map(),
    subjectTokens: [],
    deny: false,
    verify(token, audience) {
      const [body, mac] = token.split('.');
      if (!body || mac !== createHmac('sha256', KEY).update(body).digest('base64url')) return null;
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as {
        sub: string;
        aud: string;
        exp: number;
      };
      return claims.aud === audience && claims.exp > Date.now() ? { sub: claims.sub } : null;
    },
    revokeAll: () => refreshTokens.clear(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return fake;
}

/** An MCP upstream (SDK server, stateless) that accepts only tokens issued for its own URL, and records whose. */
export async function startAudienceCheckingUpstream(as: FakeAuthorizationServer) {
  const seen: string[] = [];
  const factory = () => {
    const server = new McpServer({ name: 'tickets', version: '1.0.0' });
    server.registerTool('whoami', { description: 'echo' }, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
    return server;
  };
  const handler = createMcpHandler(factory, { legacy: 'reject' });
  let audience = '';
  const server: Server = createServer(async (request, reply) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    const claims = as.verify(token, audience);
    if (!claims) {
      reply.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' });
      return reply.end();
    }
    seen.push(claims.sub);
    const raw = await readBody(request);
    const web = toWebRequest(request, raw || undefined);
    const response = await handler.fetch(web, raw ? { parsedBody: JSON.parse(raw) } : {});
    // Streamed: a listen stream stays open until the client goes.
    await sendWeb(response, reply);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  audience = `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`;
  return {
    url: audience,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
