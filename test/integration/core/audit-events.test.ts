/**
 * DESIGN §2 invariant 2 over real sockets: every request yields exactly one audit event, whatever its outcome
 * (200, 400, 401, 403, 404, 413), with the documented fields, and the stored chains verify.
 */
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStoredChains } from '../../../src/audit/index.ts';
import type { AuditEvent } from '../../../src/domain/audit/index.ts';
import type { Surface } from '../../../src/http/surfaces.ts';
import { eventually, startGateway, type TestGateway, type TestIdentity } from '../../helpers/gateway.ts';

const BODY_LIMIT = 2048;

const testSurfaces: Surface[] = [
  {
    id: 'test.echo',
    method: 'POST',
    path: '/test/echo',
    auth: ['key'],
    permissions: ['identity.read'],
    auditMeta: [],
    classification: 'internal',
    description: 'Test-only: echoes a JSON body.',
  },
  {
    id: 'test.admin',
    method: 'POST',
    path: '/test/admin',
    auth: ['key'],
    permissions: ['admin.keys.write'],
    auditMeta: [],
    classification: 'internal',
    description: 'Test-only: a control-plane route a virtual key may not call.',
  },
];

async function testFamily(app: FastifyInstance): Promise<void> {
  app.post('/test/echo', { config: { surface: 'test.echo' } }, async (req) => ({ echo: req.body }));
  app.post('/test/admin', { config: { surface: 'test.admin' } }, async () => ({ ok: true }));
}

describe('[INV-2] one audit event per request (sqlite, real sockets)', () => {
  let gw: TestGateway;
  let identity: TestIdentity;
  let requests = 0;

  beforeAll(async () => {
    gw = await startGateway({
      env: { GATEHOUSE_BODY_LIMIT: String(BODY_LIMIT) },
      families: [testFamily],
      surfaces: testSurfaces,
    });
    identity = await gw.createIdentity();
  });
  afterAll(async () => {
    await gw?.dispose();
  });

  /** Sends one request and returns its status, error code and the single audit event carrying its request id. */
  async function send(
    method: 'GET' | 'POST',
    path: string,
    options: { headers?: Record<string, string>; body?: string } = {},
  ): Promise<{ status: number; code: string | null; event: AuditEvent }> {
    requests += 1;
    const response = await request(`${gw.baseUrl}${path}`, { method, headers: options.headers, body: options.body });
    const text = await response.body.text();
    const requestId = response.headers['x-gatehouse-request-id'];
    expect(typeof requestId).toBe('string');
    const events = await eventually(async () => {
      const found = (await gw.auditEvents()).filter((event) => event.request_id === requestId);
      return found.length > 0 ? found : undefined;
    });
    expect(events).toHaveLength(1);
    const parsed = text.startsWith('{') ? (JSON.parse(text) as { error?: { code?: string } }) : {};
    return { status: response.statusCode, code: parsed.error?.code ?? null, event: events[0] as AuditEvent };
  }

  const json = (extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ...extra });

  it('records a successful call with the principal but never the key', async () => {
    const { status, event } = await send('GET', '/gatehouse/v1/whoami', { headers: identity.headers });
    expect(status).toBe(200);
    expect(event).toMatchObject({
      principal: { type: 'key', id: identity.record.id, tenant_id: identity.tenant.id, team_id: identity.team.id },
      surface: 'identity.whoami',
      method: 'GET',
      path: '/gatehouse/v1/whoami',
      status: 200,
      outcome: 'success',
      region: 'local',
      authz: { decision: 'allow' },
      error_code: null,
    });
    expect(event.latency_ms).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(event)).not.toContain(identity.key);
    expect(JSON.stringify(event)).not.toContain(identity.key.slice(3));
  });

  it('records a 401 without a principal', async () => {
    const { status, code, event } = await send('GET', '/gatehouse/v1/whoami', {
      headers: { authorization: 'Bearer gh_wrong' },
    });
    expect([status, code]).toEqual([401, 'invalid_api_key']);
    expect(event).toMatchObject({ principal: null, status: 401, outcome: 'unauthenticated', error_code: code });
    expect(JSON.stringify(event)).not.toContain('gh_wrong');
  });

  it('records a 403 with the deny decision', async () => {
    const { status, code, event } = await send('POST', '/test/admin', { headers: json(identity.headers), body: '{}' });
    expect([status, code]).toEqual([403, 'permission_denied']);
    expect(event).toMatchObject({ surface: 'test.admin', outcome: 'denied', authz: { decision: 'deny' } });
  });

  it('records an unmatched path as /__unmatched__, dropping the raw URL and its query', async () => {
    const { status, code, event } = await send('GET', '/no/such/route?api_key=sekret', { headers: identity.headers });
    expect([status, code]).toEqual([404, 'not_found']);
    expect(event).toMatchObject({ surface: '__unmatched__', path: '/__unmatched__', status: 404, method: 'GET' });
    expect(JSON.stringify(event)).not.toContain('sekret');
  });

  it('records a body over GATEHOUSE_BODY_LIMIT as 413', async () => {
    const body = JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT) });
    const { status, code, event } = await send('POST', '/test/echo', { headers: json(identity.headers), body });
    expect([status, code]).toEqual([413, 'body_too_large']);
    expect(event).toMatchObject({ surface: 'test.echo', status: 413, error_code: 'body_too_large' });
  });

  it('records malformed JSON as 400 invalid_json', async () => {
    const { status, code, event } = await send('POST', '/test/echo', {
      headers: json(identity.headers),
      body: '{"a":',
    });
    expect([status, code]).toEqual([400, 'invalid_json']);
    expect(event).toMatchObject({ surface: 'test.echo', status: 400, outcome: 'client_error', error_code: code });
  });

  it('records a well-formed POST once', async () => {
    const { status, event } = await send('POST', '/test/echo', { headers: json(identity.headers), body: '{"a":1}' });
    expect(status).toBe(200);
    expect(event).toMatchObject({ surface: 'test.echo', status: 200, outcome: 'success' });
  });

  it('records ops surfaces too', async () => {
    expect((await send('GET', '/healthz')).event).toMatchObject({ surface: 'ops.healthz', principal: null });
  });

  it('stores exactly one event per request sent, and every chain verifies', async () => {
    const events = await gw.auditEvents();
    expect(events).toHaveLength(requests);
    expect(new Set(events.map((event) => event.request_id)).size).toBe(requests);
    const chains = await verifyStoredChains(gw.gateway.store);
    expect(chains).toHaveLength(1);
    expect(chains[0]).toMatchObject({ ok: true, count: requests });
  });
});
