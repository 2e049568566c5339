/**
 * Issue 13, browser clients: CORS per surface family, off by default. Real HTTP requests against the real gateway:
 * preflights (allowed and refused, each audited once, refusals in the target surface's error envelope) and actual
 * requests (JSON, streamed, refused by authentication) from allowed and other origins; bad `cors:` sections are
 * refused at load, naming the field.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Dispatcher, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.ts';
import { corsFamilyOf } from '../../../src/http/cors.ts';
import { SURFACES } from '../../../src/http/surfaces.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { createTempDir, randomMasterKey, uniqueName } from '../../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway, twoUpstreamConfig } from '../llm/support.ts';

const APP = 'https://app.example.com';
const OTHER = 'https://evil.example.net';

interface Answer {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  text: string;
}

async function send(
  base: string,
  method: Dispatcher.HttpMethod,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  const response = await request(`${base}${path}`, { method, headers, body });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

function corsHeaders(headers: Answer['headers']): string[] {
  return Object.keys(headers).filter((name) => name.startsWith('access-control-'));
}

/** The events of one request: exactly one is expected of every request (DESIGN §2 invariant 2). */
async function eventsOf(gw: LlmTestGateway, answer: Answer) {
  const id = answer.headers['x-gatehouse-request-id'] as string;
  return (await gw.auditEvents()).filter((event) => event.request_id === id);
}

function preflight(origin: string, method: string, requestHeaders?: string): Record<string, string> {
  return {
    origin,
    'access-control-request-method': method,
    ...(requestHeaders === undefined ? {} : { 'access-control-request-headers': requestHeaders }),
  };
}

describe('CORS off by default', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({ file: twoUpstreamConfig(upstream.origin, upstream.origin) });
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });

  it('answers a preflight as any unmatched request, with no CORS header', async () => {
    const answer = await send(gw.baseUrl, 'OPTIONS', '/v1/chat/completions', preflight(APP, 'POST', 'authorization'));
    expect(answer.status).toBe(404);
    expect(corsHeaders(answer.headers)).toEqual([]);
    const event = await gw.auditEventFor(answer.headers['x-gatehouse-request-id'] as string);
    expect(event).toMatchObject({ surface: '__unmatched__', status: 404, error_code: 'not_found' });
  });

  it('writes no CORS header on actual requests from any origin', async () => {
    const key = await gw.createKey();
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const answer = await send(
      gw.baseUrl,
      'POST',
      '/v1/chat/completions',
      { origin: APP, authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
    );
    expect(answer.status).toBe(200);
    expect(corsHeaders(answer.headers)).toEqual([]);
    expect(answer.headers.vary).toBeUndefined();
  });
});

describe('CORS per surface family', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let key: string;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({
      file: {
        ...twoUpstreamConfig(upstream.origin, upstream.origin),
        cors: {
          llm: { allowed_origins: [APP, 'http://localhost:5173'], max_age: 7200 },
          mcp: { allowed_origins: ['*'] },
          vault: { allowed_origins: [APP], allow_credentials: true, exposed_headers: ['x-gatehouse-request-id'] },
        },
      },
    });
    key = await gw.createKey();
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });

  const chatBody = (stream: boolean) =>
    JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream });

  it('answers an allowed preflight with 204 and the allow headers, before authentication, and audits it', async () => {
    const before = upstream.requests.length;
    const asked = 'Authorization, content-type, x-stainless-os, anthropic-version, x-api-key';
    const answer = await send(gw.baseUrl, 'OPTIONS', '/v1/chat/completions', preflight(APP, 'POST', asked));
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-headers': 'authorization, content-type, x-stainless-os, anthropic-version, x-api-key',
      'access-control-max-age': '7200',
      vary: 'Origin',
    });
    expect(String(answer.headers['access-control-allow-methods']).split(', ')).toContain('POST');
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
    const [event, ...more] = await eventsOf(gw, answer);
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      surface: '__preflight__',
      method: 'OPTIONS',
      status: 204,
      principal: null,
      meta: { cors_family: 'llm', origin: APP, requested_method: 'POST' },
    });
    expect(upstream.requests.slice(before).filter((seen) => seen.method !== 'GET')).toEqual([]);
  });

  it.each([
    ['an origin not listed', '/v1/chat/completions', preflight(OTHER, 'POST'), /origin https:\/\/evil\.example\.net/],
    ['a look-alike origin', '/v1/chat/completions', preflight(`${APP}:8443`, 'POST'), /may not call the llm/],
    ['a header not allowed', '/v1/chat/completions', preflight(APP, 'POST', 'x-secret'), /header x-secret/],
    ['a method no llm route serves', '/v1/models', preflight(APP, 'CONNECT'), /method CONNECT/],
  ])('refuses a preflight with %s: 403 cors_not_allowed, no allow header, audited', async (_n, path, headers, why) => {
    const answer = await send(gw.baseUrl, 'OPTIONS', path, headers);
    expect(answer.status).toBe(403);
    expect(corsHeaders(answer.headers)).toEqual([]);
    expect(answer.headers['x-gatehouse-error-code']).toBe('cors_not_allowed');
    const body = JSON.parse(answer.text);
    expect(body.error).toMatchObject({ code: 'cors_not_allowed', type: 'permission_error' });
    expect(body.error.message).toMatch(why);
    const [event, ...more] = await eventsOf(gw, answer);
    expect(more).toEqual([]);
    expect(event).toMatchObject({ surface: '__preflight__', status: 403, error_code: 'cors_not_allowed' });
  });

  it("refuses in the target surface's own envelope: Ollama's and Anthropic's", async () => {
    const ollama = await send(gw.baseUrl, 'OPTIONS', '/api/chat', preflight(OTHER, 'POST'));
    expect(ollama.status).toBe(403);
    expect(JSON.parse(ollama.text)).toEqual({ error: expect.stringMatching(/^Cross-origin request refused: origin/) });
    const anthropic = await send(gw.baseUrl, 'OPTIONS', '/v1/messages', preflight(OTHER, 'POST'));
    expect(anthropic.status).toBe(403);
    expect(JSON.parse(anthropic.text)).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
  });

  it('lets an allowed origin read JSON, streamed and refused answers, with the exposed headers', async () => {
    const headers = { origin: APP, authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    for (const stream of [false, true]) {
      const answer = await send(gw.baseUrl, 'POST', '/v1/chat/completions', headers, chatBody(stream));
      expect(answer.status).toBe(200);
      expect(answer.headers['access-control-allow-origin']).toBe(APP);
      expect(answer.headers.vary).toBe('Origin');
      const exposed = String(answer.headers['access-control-expose-headers']).split(', ');
      expect(exposed).toEqual(expect.arrayContaining(['x-gatehouse-request-id', 'x-ratelimit-remaining-requests']));
    }
    const unauthenticated = await send(gw.baseUrl, 'GET', '/v1/models', { origin: 'http://localhost:5173' });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    const unknown = await send(gw.baseUrl, 'GET', '/v1/no-such-route', { origin: APP });
    expect(unknown.status).toBe(404);
    expect(unknown.headers['access-control-allow-origin']).toBe(APP);
  });

  it('serves other origins without CORS headers, so their browsers withhold the answer', async () => {
    const headers = { origin: OTHER, authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const answer = await send(gw.baseUrl, 'POST', '/v1/chat/completions', headers, chatBody(false));
    expect(answer.status).toBe(200);
    expect(corsHeaders(answer.headers)).toEqual([]);
    expect(answer.headers.vary).toBe('Origin');
  });

  it('MCP with "*": any origin, the MCP headers allowed and mcp-session-id exposed', async () => {
    const asked = 'authorization, content-type, mcp-protocol-version, mcp-session-id, last-event-id';
    const answer = await send(gw.baseUrl, 'OPTIONS', '/mcp', preflight(OTHER, 'DELETE', asked));
    expect(answer.status).toBe(204);
    expect(answer.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-allow-headers': asked });
    expect(answer.headers.vary).toBeUndefined();
    const refused = await send(gw.baseUrl, 'POST', '/mcp', { origin: OTHER, 'content-type': 'application/json' }, '{}');
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe('*');
    expect(String(refused.headers['access-control-expose-headers']).split(', ')).toContain('mcp-session-id');
  });

  it('vault: a preflight is answered by the gateway, never forwarded; credentials allowed as configured', async () => {
    const answer = await send(gw.baseUrl, 'OPTIONS', '/vault/github/user', preflight(APP, 'GET', 'authorization'));
    expect(answer.status).toBe(204);
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '600',
    });
    const actual = await send(gw.baseUrl, 'GET', '/vault/github/user', { origin: APP });
    expect(actual.status).toBe(401);
    expect(actual.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-gatehouse-request-id',
    });
  });

  it('leaves families not configured, and routes outside every family, as they were', async () => {
    const admin = await send(gw.baseUrl, 'OPTIONS', '/admin/v1/tenants', preflight(APP, 'GET'));
    expect(admin.status).toBe(404);
    expect(corsHeaders(admin.headers)).toEqual([]);
    const health = await send(gw.baseUrl, 'GET', '/healthz', { origin: APP });
    expect(health.status).toBe(200);
    expect(corsHeaders(health.headers)).toEqual([]);
    const whoami = await send(gw.baseUrl, 'OPTIONS', '/gatehouse/v1/whoami', preflight(APP, 'GET'));
    expect(whoami.status).toBe(404);
    expect(corsHeaders(whoami.headers)).toEqual([]);
  });
});

describe('surface families', () => {
  it('puts every data-plane and admin surface in its family, and nothing else in any', () => {
    const expected = (id: string) =>
      id.startsWith('llm.') || id.startsWith('ollama.')
        ? 'llm'
        : (['mcp', 'vault', 'admin'].find((family) => id.startsWith(`${family}.`)) ?? null);
    for (const surface of SURFACES)
      expect([surface.id, corsFamilyOf(surface.path)]).toEqual([surface.id, expected(surface.id)]);
    expect(corsFamilyOf('/mcpx')).toBeNull();
    expect(corsFamilyOf('/v10/chat')).toBeNull();
  });
});

describe('vault: the gateway alone decides CORS, whatever the service answers', () => {
  let service: Server;
  let upstream: FakeLlmUpstream;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    // A service that opens itself to every origin, credentials included.
    service = createServer((_request, response) => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'access-control-allow-origin': '*',
        'access-control-allow-credentials': 'true',
      });
      response.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => service?.close(resolve));
    await upstream?.close();
  });

  async function gatewayWith(cors: Record<string, unknown> | undefined) {
    const base = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
    const gw = await startLlmGateway({
      file: {
        ...twoUpstreamConfig(upstream.origin, upstream.origin),
        vault: { services: [{ id: 'open', base_url: base, auth: { type: 'bearer' } }] },
        ...(cors === undefined ? {} : { cors }),
      },
    });
    const { identity, vault, snapshot } = gw.gateway;
    const tenant = await identity.createTenant(uniqueName('tenant'));
    const team = await identity.createTeam(tenant.id, uniqueName('team'));
    const issued = await identity.createKey({ tenant: tenant.id, team: team.id, name: uniqueName('agent') });
    await vault.admin.grant(issued.record.id, ['open']);
    await vault.admin.setCredential('open', {}, 'service-token');
    await snapshot.refresh();
    return { gw, key: issued.key };
  }

  it.each([
    ['off', undefined],
    ['on for another origin', { vault: { allowed_origins: [APP] } }],
  ])("drops the service's CORS headers with CORS %s", async (_label, cors) => {
    const { gw, key } = await gatewayWith(cors);
    try {
      const answer = await send(gw.baseUrl, 'GET', '/vault/open/anything', {
        origin: OTHER,
        authorization: `Bearer ${key}`,
      });
      expect(answer.status).toBe(200);
      expect(corsHeaders(answer.headers)).toEqual([]);
      if (cors !== undefined) {
        const allowed = await send(gw.baseUrl, 'GET', '/vault/open/anything', {
          origin: APP,
          authorization: `Bearer ${key}`,
        });
        expect(allowed.headers['access-control-allow-origin']).toBe(APP);
        expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
      }
    } finally {
      await gw.dispose();
    }
  });
});

describe('bad cors: sections are refused at load, naming the field', () => {
  const dir = createTempDir();
  const env = { GATEHOUSE_DATA_DIR: dir, GATEHOUSE_MASTER_KEY: randomMasterKey(), LOG_LEVEL: 'silent' };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function refusal(yaml: string): ConfigError {
    const path = join(dir, 'cors.yaml');
    writeFileSync(path, yaml);
    try {
      loadConfig({ env, configPath: path });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error('expected a ConfigError');
  }

  it.each([
    [
      'a trailing slash',
      'cors:\n  llm:\n    allowed_origins: [https://app.example.com/]\n',
      'cors.llm.allowed_origins.0',
      /use "https:\/\/app\.example\.com"/,
    ],
    [
      'an upper-case host',
      'cors:\n  llm:\n    allowed_origins: [https://a.example.com, https://App.example.com]\n',
      'cors.llm.allowed_origins.1',
      /not written as browsers send it/,
    ],
    [
      'a path',
      'cors:\n  mcp:\n    allowed_origins: [https://a.example.com/app]\n',
      'cors.mcp.allowed_origins.0',
      /use/,
    ],
    ['the null origin', "cors:\n  llm:\n    allowed_origins: ['null']\n", 'cors.llm.allowed_origins.0', /sandboxed/],
    [
      'no scheme',
      'cors:\n  llm:\n    allowed_origins: [app.example.com]\n',
      'cors.llm.allowed_origins.0',
      /not an origin/,
    ],
    [
      'another scheme',
      'cors:\n  llm:\n    allowed_origins: [ftp://a.example.com]\n',
      'cors.llm.allowed_origins.0',
      /http or https/,
    ],
    [
      '"*" with credentials',
      "cors:\n  vault:\n    allowed_origins: ['*']\n    allow_credentials: true\n",
      'cors.vault.allowed_origins',
      /cannot be combined with allow_credentials/,
    ],
    [
      '"*" among origins',
      "cors:\n  llm:\n    allowed_origins: ['*', https://a.example.com]\n",
      'cors.llm.allowed_origins',
      /alone/,
    ],
    [
      'a bare "*" header',
      "cors:\n  llm:\n    allowed_origins: [https://a.example.com]\n    allowed_headers: ['*']\n",
      'cors.llm.allowed_headers.0',
      /name the headers/,
    ],
    [
      'a header that is no header name',
      "cors:\n  admin:\n    allowed_origins: [https://a.example.com]\n    allowed_headers: ['x bad']\n",
      'cors.admin.allowed_headers.0',
      /not a header name/,
    ],
    [
      'a pattern among exposed headers',
      "cors:\n  admin:\n    allowed_origins: [https://a.example.com]\n    exposed_headers: ['x-*']\n",
      'cors.admin.exposed_headers.0',
      /not a header name/,
    ],
  ])('refuses %s', (_label, yaml, field, message) => {
    const error = refusal(yaml);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it.each([
    ['an unknown family', 'cors:\n  console:\n    allowed_origins: [https://a.example.com]\n', ':cors.console'],
    ['no origins', 'cors:\n  llm:\n    allowed_origins: []\n', ':cors.llm.allowed_origins'],
    [
      'a max_age past a day',
      'cors:\n  llm:\n    allowed_origins: [https://a.example.com]\n    max_age: 90000\n',
      ':cors.llm.max_age',
    ],
  ])('refuses %s by the schema', (_label, yaml, suffix) => {
    expect(refusal(yaml).field.endsWith(suffix)).toBe(true);
  });

  it('loads a good section, lower-casing header names', () => {
    writeFileSync(
      join(dir, 'good.yaml'),
      'cors:\n  llm:\n    allowed_origins: [https://app.example.com]\n    allowed_headers: [Authorization, X-Stainless-*]\n',
    );
    const config = loadConfig({ env, configPath: join(dir, 'good.yaml') });
    expect(config.cors.llm).toMatchObject({
      origins: ['https://app.example.com'],
      allowedHeaders: ['authorization', 'x-stainless-*'],
      maxAgeSeconds: 600,
      allowCredentials: false,
    });
    expect(config.cors.mcp).toBeUndefined();
  });
});
