import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeApi, startFakeApi } from './fakes.ts';
import { startVaultGateway, type VaultAgent, type VaultGateway } from './harness.ts';

const API_KEY = 'sk_live_4f9a1c7e2b8d4e6fa0b3c5d7e9f1a2b4';
const QUERY_KEY = 'qk_8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f';
const BASIC = 'svc-user:pa55-w0rd-8f7e6d5c4b3a';

let api: FakeApi;
let evil: FakeApi;
let gw: VaultGateway;
let agent: VaultAgent;
let stranger: VaultAgent;

function rawGet(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${baseUrl}/`, { method: 'GET', path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  api = await startFakeApi();
  evil = await startFakeApi();
  gw = await startVaultGateway({
    services: [
      {
        id: 'echo',
        base_url: `${api.url}/base`,
        allowed_methods: ['GET', 'POST'],
        allowed_paths: ['/api/', '/status'],
        auth: { type: 'header', name: 'X-Api-Key' },
        timeout_ms: 500,
        max_request_bytes: 64,
      },
      { id: 'query', base_url: api.url, auth: { type: 'query', name: 'api_key' } },
      { id: 'basic', base_url: api.url, auth: { type: 'basic' } },
      { id: 'bearer', base_url: api.url, auth: { type: 'bearer' } },
      { id: 'down', base_url: 'http://127.0.0.1:9', auth: { type: 'bearer' } },
      { id: 'nocred', base_url: api.url, auth: { type: 'bearer' } },
      { id: 'limited', base_url: api.url, auth: { type: 'bearer' }, rate_limit: { requests: 2, window_ms: 60_000 } },
    ],
  });
  const admin = gw.gateway.vault.admin;
  await admin.setCredential('echo', {}, API_KEY);
  await admin.setCredential('query', {}, QUERY_KEY);
  await admin.setCredential('basic', {}, BASIC);
  await admin.setCredential('bearer', {}, API_KEY);
  await admin.setCredential('down', {}, API_KEY);
  await admin.setCredential('limited', {}, API_KEY);
  agent = await gw.createAgent(['echo', 'query', 'basic', 'bearer', 'down', 'nocred', 'limited']);
  stranger = await gw.createAgent([]);
});

afterAll(async () => {
  await gw?.close();
  await api?.close();
  await evil?.close();
});

describe('vault proxy: credential injection', () => {
  it('injects the header credential, strips the agent key, and redacts an echo of the credential', async () => {
    const before = api.seen.length;
    const res = await gw.call(agent, 'GET', '/vault/echo/api/items?limit=5&q=a%20b', {
      headers: { 'x-gatehouse-debug': '1', 'x-forwarded-for': '10.0.0.1', 'accept-encoding': 'gzip' },
    });
    expect(res.status).toBe(200);
    const seen = api.seen[before];
    expect(seen?.url).toBe('/base/api/items?limit=5&q=a%20b');
    expect(seen?.headers['x-api-key']).toBe(API_KEY);
    expect(seen?.headers.authorization).toBeUndefined();
    expect(seen?.headers['x-gatehouse-debug']).toBeUndefined();
    expect(seen?.headers['x-forwarded-for']).toBeUndefined();
    expect(seen?.headers['accept-encoding']).toBe('identity');
    expect(res.text).not.toContain(API_KEY);
    expect(res.text).not.toContain(agent.key);
    expect(res.text).toContain('*'.repeat(API_KEY.length));
    expect(res.headers['x-echo-auth']).toBe('*'.repeat(API_KEY.length));
    expect(res.headers['x-secret-hop']).toBeUndefined();
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
  });

  it('an agent-supplied header of the credential name cannot shadow the injected one', async () => {
    const before = api.seen.length;
    const res = await gw.call(agent, 'GET', '/vault/echo/api/x', { headers: { 'x-api-key': 'agent-guess' } });
    expect(res.status).toBe(200);
    expect(api.seen[before]?.headers['x-api-key']).toBe(API_KEY);
  });

  it('injects a query credential and drops an agent-supplied one of the same name', async () => {
    const before = api.seen.length;
    const res = await gw.call(agent, 'GET', '/vault/query/v1/thing?api_key=evil&x=1&api%5Fkey=evil2');
    expect(res.status).toBe(200);
    const url = new URL(api.seen[before]?.url ?? '', 'http://x');
    expect(url.searchParams.getAll('api_key')).toEqual([QUERY_KEY]);
    expect(url.searchParams.get('x')).toBe('1');
    expect(res.text).not.toContain(QUERY_KEY);
  });

  it('injects basic and bearer credentials', async () => {
    let before = api.seen.length;
    expect((await gw.call(agent, 'GET', '/vault/basic/me')).status).toBe(200);
    expect(api.seen[before]?.headers.authorization).toBe(`Basic ${Buffer.from(BASIC).toString('base64')}`);
    before = api.seen.length;
    const res = await gw.call(agent, 'POST', '/vault/bearer/things', {
      headers: { 'content-type': 'application/octet-stream' },
      body: 'raw-bytes\u0001',
    });
    expect(res.status).toBe(200);
    expect(api.seen[before]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(api.seen[before]?.body).toBe('raw-bytes\u0001');
  });

  it('streams responses through', async () => {
    const res = await gw.call(agent, 'GET', '/vault/bearer/stream');
    expect(res.status).toBe(200);
    expect(res.text).toBe('chunk-0\nchunk-1\nchunk-2\nchunk-3\nchunk-4\n');
  });

  it('does not follow a redirect to another host', async () => {
    api.redirectTo = `${evil.url}/steal`;
    const res = await gw.call(agent, 'GET', '/vault/bearer/redirect');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${evil.url}/steal`);
    expect(evil.seen).toHaveLength(0);
  });
});

describe('vault proxy: access', () => {
  it('404s an unknown service and 403s a service the key is not granted', async () => {
    const unknown = await gw.call(agent, 'GET', '/vault/nope/x');
    expect([unknown.status, unknown.code]).toEqual([404, 'vault_service_not_found']);
    const denied = await gw.call(stranger, 'GET', '/vault/echo/api/x');
    expect([denied.status, denied.code]).toEqual([403, 'vault_service_not_granted']);
    const anonymous = await gw.call(null, 'GET', '/vault/echo/api/x');
    expect(anonymous.status).toBe(401);
  });

  it('403s a method or a path outside the allowed set', async () => {
    const method = await gw.call(agent, 'DELETE', '/vault/echo/api/x');
    expect([method.status, method.code]).toEqual([403, 'vault_method_not_allowed']);
    const path = await gw.call(agent, 'GET', '/vault/echo/admin/users');
    expect([path.status, path.code]).toEqual([403, 'vault_path_not_allowed']);
    const sibling = await gw.call(agent, 'GET', '/vault/echo/statusx');
    expect([sibling.status, sibling.code]).toEqual([403, 'vault_path_not_allowed']);
    expect((await gw.call(agent, 'GET', '/vault/echo/status')).status).toBe(200);
  });

  it('lists the services the key is granted', async () => {
    const res = await gw.call(agent, 'GET', '/gatehouse/v1/vault/services');
    const ids = (res.json as { data: Array<{ id: string }> }).data.map((s) => s.id);
    expect(ids).toEqual(['basic', 'bearer', 'down', 'echo', 'limited', 'nocred', 'query']);
    expect(res.text).not.toContain(API_KEY);
    const none = await gw.call(stranger, 'GET', '/gatehouse/v1/vault/services');
    expect((none.json as { data: unknown[] }).data).toEqual([]);
  });

  it('rate-limits per agent and service with Retry-After', async () => {
    expect((await gw.call(agent, 'GET', '/vault/limited/a')).status).toBe(200);
    expect((await gw.call(agent, 'GET', '/vault/limited/a')).status).toBe(200);
    const third = await gw.call(agent, 'GET', '/vault/limited/a');
    expect([third.status, third.code]).toEqual([429, 'vault_rate_limited']);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    const other = await gw.createAgent(['limited']);
    expect((await gw.call(other, 'GET', '/vault/limited/a')).status).toBe(200);
  });
});

describe('vault proxy: bad input', () => {
  const attacks = [
    '/vault/echo/api/../admin',
    '/vault/echo/api/%2e%2e/admin',
    '/vault/echo/api/%2E%2e%2fadmin',
    '/vault/echo/api/.%2e/admin',
    '/vault/echo/api//admin',
    '/vault/echo/api/x%2fy',
    '/vault/echo/api/x%5c..%5cadmin',
    '/vault/echo/api/..;/admin',
    '/vault/echo/api/x%0d%0aX-Injected:%20yes',
    '/vault/echo/api/x%00',
    '/vault/echo/api/x?y=%0d%0aSet-Cookie:a',
    '/vault/echo/api/x%zz',
  ];
  for (const path of attacks) {
    it(`refuses ${path} before calling the service`, async () => {
      const before = api.seen.length;
      const res = await rawGet(gw.baseUrl, path, agent.headers);
      expect(res.status, res.body).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(api.seen.length).toBe(before);
    });
  }

  it('names the traversal error', async () => {
    const res = await rawGet(gw.baseUrl, '/vault/echo/api/%2e%2e/admin', agent.headers);
    expect(JSON.parse(res.body).error.code).toBe('vault_invalid_path');
  });

  it('refuses a header with CR/LF injection (rejected by the HTTP parser, never forwarded)', async () => {
    const before = api.seen.length;
    const raw = await new Promise<string>((resolve) => {
      const url = new URL(gw.baseUrl);
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `GET /vault/echo/api/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${agent.key}\r\nX-A: a\rX-B: b\r\n\r\n`,
        );
      });
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk.toString();
      });
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
    });
    expect(raw.startsWith('HTTP/1.1 400')).toBe(true);
    expect(api.seen.length).toBe(before);
  });

  it('413s a body over the service limit', async () => {
    const res = await gw.call(agent, 'POST', '/vault/echo/api/upload', {
      headers: { 'content-type': 'text/plain' },
      body: 'x'.repeat(65),
    });
    expect([res.status, res.code]).toEqual([413, 'body_too_large']);
  });

  it('504s a hanging service and 502s one that refuses connections', async () => {
    const hang = await gw.call(agent, 'GET', '/vault/echo/api/hang');
    expect([hang.status, hang.code]).toEqual([504, 'vault_upstream_timeout']);
    const down = await gw.call(agent, 'GET', '/vault/down/x');
    expect([down.status, down.code]).toEqual([502, 'vault_upstream_unreachable']);
    expect(down.text).not.toContain(API_KEY);
  });

  it('503s a service with no credential for this caller', async () => {
    const res = await gw.call(agent, 'GET', '/vault/nocred/x');
    expect([res.status, res.code]).toEqual([503, 'vault_credential_missing']);
  });

  it('500s an undecryptable credential with no detail for the agent and the reason in the logs', async () => {
    const db = gw.gateway.store.write;
    const other = await db
      .selectFrom('secrets')
      .select('envelope')
      .where('owner', '=', 'vault:query')
      .executeTakeFirstOrThrow();
    await db.updateTable('secrets').set({ envelope: other.envelope }).where('owner', '=', 'vault:basic').execute();
    gw.gateway.vault.credentials.invalidate('basic', 'service');
    const res = await gw.call(agent, 'GET', '/vault/basic/me');
    expect([res.status, res.code]).toEqual([500, 'vault_credential_unreadable']);
    expect(res.text).not.toMatch(/decrypt|envelope|aad|auth_failed/i);
    expect(gw.logs.some((line) => line.includes('vault credential basic/service cannot be decrypted'))).toBe(true);
  });
});

describe('vault proxy: idempotency and audit', () => {
  it('replays the first response for a retried POST with the same Idempotency-Key', async () => {
    const before = api.seen.length;
    const send = (body: string) =>
      gw.call(agent, 'POST', '/vault/bearer/created', {
        headers: { 'content-type': 'application/json', 'idempotency-key': 'order-42' },
        body,
      });
    const first = await send('{"amount":5}');
    const second = await send('{"amount":5}');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(api.seen.length).toBe(before + 1);
    const reused = await send('{"amount":6}');
    expect([reused.status, reused.code]).toEqual([422, 'idempotency_key_reused']);
    const invalid = await gw.call(agent, 'POST', '/vault/bearer/created', {
      headers: { 'idempotency-key': 'x'.repeat(300) },
    });
    expect([invalid.status, invalid.code]).toEqual([400, 'idempotency_key_invalid']);
  });

  it('audits every call with service, credential id and version, and never a secret (audit or logs)', async () => {
    const events = await gw.auditEvents();
    const proxied = events.filter((event) => event.surface === 'vault.proxy');
    expect(proxied.length).toBeGreaterThan(10);
    const ok = proxied.find((event) => event.status === 200 && event.meta.service === 'echo');
    expect(ok?.path).toBe('/vault/:service/*');
    expect(ok?.upstream?.id).toBe('echo');
    expect(ok?.meta.credential_id).toEqual(expect.any(String));
    expect(ok?.meta.credential_version).toBe(1);
    expect(ok?.meta.bytes_out).toEqual(expect.any(Number));
    expect(ok?.meta.redactions).toBeGreaterThan(0);
    const dump = JSON.stringify(events);
    const logs = gw.logs.join('\n');
    for (const secret of [API_KEY, QUERY_KEY, 'pa55-w0rd-8f7e6d5c4b3a', Buffer.from(BASIC).toString('base64')]) {
      expect(dump).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    expect(dump).not.toContain(agent.key);
    expect(logs).not.toContain(agent.key);
    expect(dump).not.toContain('limit=5');
  });
});
