/**
 * Issue 14, finding 7 ("Parsing has limits"): a JSON body nested 5,000 levels deep got a 500 (a stack overflow in
 * a later `JSON.stringify`), and `/mcp` answered -32603 quoting "Maximum call stack size exceeded". Every JSON body
 * now passes a depth check (128 by default) first: 400 `json_too_deep` in the surface's shape, one audit event,
 * nothing created.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.ts';

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('issue 14 finding 7: JSON nesting depth', () => {
  let gw: TestGateway;
  let key: string;
  let adminToken: string;

  beforeAll(async () => {
    gw = await startGateway();
    key = (await gw.createIdentity()).key;
    adminToken = (await gw.gateway.admin.bootstrapPlatformAdmin('depth@example.com')).token;
  });
  afterAll(() => gw?.dispose());

  async function post(path: string, token: string, body: string, contentType = 'application/json') {
    const response = await request(`${gw.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body,
    });
    return {
      status: response.statusCode,
      requestId: response.headers['x-gatehouse-request-id'] as string,
      code: response.headers['x-gatehouse-error-code'],
      body: (await response.body.json()) as Record<string, unknown>,
    };
  }

  const TOO_DEEP = 'The JSON body nests objects and arrays deeper than 128 levels.';
  it.each([
    ['/v1/chat/completions', 'application/json'],
    ['/v1/embeddings', 'application/json'],
    ['/api/chat', 'application/json'],
    ['/api/generate', 'application/x-www-form-urlencoded'],
  ])("%s (%s): 5,000 levels get 400 json_too_deep in the surface's envelope, audited once", async (path, type) => {
    const body = `{"model":"m","messages":[{"role":"user","content":"hi"}],"prompt":"x","input":"x","metadata":${deep(5000)}}`;
    const result = await post(path, key, body, type);
    expect(result.status).toBe(400);
    expect(result.code).toBe('json_too_deep');
    expect(result.body).toEqual(
      path.startsWith('/api/')
        ? { error: TOO_DEEP }
        : { error: { message: TOO_DEEP, type: 'invalid_request_error', code: 'json_too_deep', param: null } },
    );
    const events = (await gw.auditEvents()).filter((event) => event.request_id === result.requestId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 400, error_code: 'json_too_deep', outcome: 'client_error' });
  });

  it('the admin API refuses a deep body and creates nothing', async () => {
    const before = (await gw.gateway.identity.listTenants()).length;
    const result = await post('/admin/v1/tenants', adminToken, `{"name":"deep","settings":${deep(5000)}}`);
    expect(result.status).toBe(400);
    expect((result.body.error as { code: string }).code).toBe('json_too_deep');
    expect(await gw.gateway.identity.listTenants()).toHaveLength(before);
  });

  it('/mcp answers a JSON-RPC parse error, never an internal error or a stack-overflow message', async () => {
    const body = `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":${deep(5000)}}}`;
    const result = await post('/mcp', key, body);
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, data: { code: 'json_too_deep' } },
    });
    expect(JSON.stringify(result.body)).not.toMatch(/call stack/i);
    const events = (await gw.auditEvents()).filter((event) => event.request_id === result.requestId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ surface: 'mcp.endpoint', error_code: 'json_too_deep' });
  });

  it('128 levels are still parsed (the route judges them, not the depth check)', async () => {
    const result = await post('/v1/chat/completions', key, `{"model":"m","messages":${deep(127)}}`);
    expect((result.body.error as { code: string }).code).not.toBe('json_too_deep');
    expect(result.status).toBeLessThan(500);
  });

  it('brackets inside strings do not count', async () => {
    const text = '['.repeat(10_000);
    const result = await post('/v1/chat/completions', key, JSON.stringify({ model: 'm', messages: text }));
    expect((result.body.error as { code: string; param: string }).param).toBe('messages');
  });
});
