/**
 * @module
 * Fake third parties for the vault suites, each a real node:http server on 127.0.0.1:0: an API that records what
 * it receives and can echo, hang, redirect, stream or demand OAuth tokens, and an OAuth2 token endpoint.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeServer {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface FakeApi extends FakeServer {
  /** Tokens the API accepts on `/oauth/*`; remove one to simulate early revocation. */
  validTokens: Set<string>;
  redirectTo: string;
}

export async function startFakeApi(): Promise<FakeApi> {
  const seen: SeenRequest[] = [];
  const validTokens = new Set<string>();
  const state = { redirectTo: 'http://127.0.0.1:9/' };
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body };
    seen.push(entry);
    const path = (request.url ?? '').split('?')[0];
    if (path?.endsWith('/hang')) return;
    if (path?.endsWith('/redirect')) {
      response.writeHead(302, { location: state.redirectTo }).end();
      return;
    }
    if (path?.endsWith('/stream')) {
      response.writeHead(200, { 'content-type': 'text/plain' });
      let n = 0;
      const timer = setInterval(() => {
        response.write(`chunk-${n}\n`);
        if (++n === 5) {
          clearInterval(timer);
          response.end();
        }
      }, 5);
      return;
    }
    if (path?.startsWith('/oauth/')) {
      const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!validTokens.has(token)) {
        response
          .writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' })
          .end('{"error":"invalid_token"}');
        return;
      }
    }
    const status = path?.endsWith('/created') ? 201 : 200;
    const echo = JSON.stringify({ n: seen.length, method: entry.method, url: entry.url, headers: entry.headers, body });
    // Reflect the request's headers too: a careless service leaking the credential back in a header.
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(echo),
      'x-echo-auth': String(request.headers.authorization ?? request.headers['x-api-key'] ?? ''),
      connection: 'keep-alive, x-secret-hop',
      'x-secret-hop': 'hop',
    });
    response.end(echo);
  });
  const url = await listen(server);
  return {
    url,
    seen,
    validTokens,
    get redirectTo() {
      return state.redirectTo;
    },
    set redirectTo(value: string) {
      state.redirectTo = value;
    },
    close: () => closeServer(server),
  };
}

export interface TokenRequest {
  form: URLSearchParams;
  authorization: string | undefined;
  headers: IncomingMessage['headers'];
}

export interface FakeTokenEndpoint extends FakeServer {
  requests: TokenRequest[];
  /** Seconds until expiry stated in each answer (null omits `expires_in`). */
  expiresIn: number | null;
  /** When set, every answer is this status with `{"error": failWith}`. */
  failWith: { status: number; error: string } | null;
  /** The refresh token the endpoint currently accepts (rotated on each use). */
  currentRefreshToken: string;
  /** Delay before answering, so concurrent callers overlap. */
  delayMs: number;
  /** When set, answers wait for it: a test holds a refresh in flight until its other callers are lined up. */
  gate: Promise<unknown> | null;
}

export async function startFakeTokenEndpoint(api: FakeApi, client: { id: string; secret: string }) {
  const requests: TokenRequest[] = [];
  let issued = 0;
  const endpoint = {
    expiresIn: 3600 as number | null,
    failWith: null as { status: number; error: string } | null,
    currentRefreshToken: 'refresh-1',
    delayMs: 0,
    gate: null as Promise<unknown> | null,
  };
  const expectedBasic = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
  const server = createServer(async (request, response) => {
    const form = new URLSearchParams(await readBody(request));
    requests.push({ form, authorization: request.headers.authorization, headers: request.headers });
    if (endpoint.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, endpoint.delayMs));
    await endpoint.gate;
    const reply = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (endpoint.failWith) return reply(endpoint.failWith.status, { error: endpoint.failWith.error });
    const viaPost = form.get('client_id') === client.id && form.get('client_secret') === client.secret;
    if (request.headers.authorization !== expectedBasic && !viaPost) return reply(401, { error: 'invalid_client' });
    const grant = form.get('grant_type');
    let refreshToken: string | undefined;
    if (grant === 'refresh_token') {
      if (form.get('refresh_token') !== endpoint.currentRefreshToken) return reply(400, { error: 'invalid_grant' });
      refreshToken = `refresh-${Number(endpoint.currentRefreshToken.split('-')[1]) + 1}`;
      endpoint.currentRefreshToken = refreshToken;
    } else if (grant !== 'client_credentials') {
      return reply(400, { error: 'unsupported_grant_type' });
    }
    issued++;
    const token = `access-token-${issued}-${Math.random().toString(36).slice(2)}`;
    api.validTokens.add(token);
    reply(200, {
      access_token: token,
      token_type: 'Bearer',
      ...(endpoint.expiresIn === null ? {} : { expires_in: endpoint.expiresIn }),
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    });
  });
  const url = await listen(server);
  return Object.assign(endpoint, {
    url,
    seen: [] as SeenRequest[],
    requests,
    close: () => closeServer(server),
  }) as FakeTokenEndpoint;
}
