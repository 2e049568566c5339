/**
 * Issue 2 "Ops": `/healthz` (process up), `/readyz` (store reachable and migrated; 503 with reasons otherwise) and
 * `/metrics` in the Prometheus text format, on SQLite and on a real PostgreSQL whose database goes away and back.
 */
import pg from 'pg';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startGateway, type TestGateway } from '../../helpers/gateway.ts';
import { POSTGRES_URL, postgresAvailable, renameDatabase } from '../../helpers/services.ts';

async function get(baseUrl: string, path: string) {
  const response = await request(`${baseUrl}${path}`);
  const text = await response.body.text();
  return { status: response.statusCode, contentType: String(response.headers['content-type']), text };
}

describe('ops surfaces (sqlite)', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw?.dispose();
  });

  it('answers /healthz and /readyz with 200 when healthy', async () => {
    const health = await get(gw.baseUrl, '/healthz');
    expect([health.status, JSON.parse(health.text)]).toEqual([200, { status: 'ok' }]);
    const ready = await get(gw.baseUrl, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toMatchObject({ status: 'ready', checks: { store: { ok: true } } });
  });

  it('serves /metrics in the Prometheus text format, counting requests', async () => {
    const identity = await gw.createIdentity();
    const response = await request(`${gw.baseUrl}/gatehouse/v1/whoami`, { headers: identity.headers });
    await response.body.dump();
    const metrics = await eventually(async () => {
      const scraped = await get(gw.baseUrl, '/metrics');
      return scraped.text.includes('surface="identity.whoami"') ? scraped : undefined;
    });
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.text).toContain('# TYPE gatehouse_requests_total counter');
    expect(metrics.text).toMatch(/^gatehouse_requests_total\{surface="identity\.whoami",status="2xx"\} 1$/m);
    expect(metrics.text).toMatch(/^gatehouse_authz_decisions_total\{.*outcome="allow"\} \d+$/m);
    expect(metrics.text).toContain('# TYPE gatehouse_audit_queue_depth gauge');
    for (const line of metrics.text.split('\n').filter((l) => l.length > 0 && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eE]+|NaN$/);
    }
  });

  it('answers /readyz 503 with reasons when a migration is missing, while /healthz stays 200', async () => {
    // Closing the store would also stall shutdown on the audit drain; un-recording a migration fails readiness alone.
    const latest = await gw.gateway.store.write
      .selectFrom('kysely_migration' as never)
      .select('name' as never)
      .orderBy('name' as never, 'desc')
      .executeTakeFirstOrThrow();
    const { name } = latest as { name: string };
    await gw.gateway.store.write
      .deleteFrom('kysely_migration' as never)
      .where('name' as never, '=', name as never)
      .execute();
    const ready = await get(gw.baseUrl, '/readyz');
    expect(ready.status).toBe(503);
    const body = JSON.parse(ready.text) as { status: string; error: { code: string }; checks: Record<string, unknown> };
    expect(body).toMatchObject({ status: 'not_ready', error: { code: 'not_ready', type: 'service_unavailable' } });
    expect(body.checks.store).toMatchObject({ ok: false, reason: expect.stringContaining(`need ${name}`) });
    expect((await get(gw.baseUrl, '/healthz')).status).toBe(200);
  });
});

const pgOk = await postgresAvailable();

describe.skipIf(!pgOk)('ops surfaces (postgres)', () => {
  let gw: TestGateway;
  let admin: pg.Client;
  let database: string;

  beforeAll(async () => {
    gw = await startGateway({ store: 'postgres' });
    database = new URL(gw.environment.env.DATABASE_WRITE_URL as string).pathname.slice(1);
    admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await gw?.dispose();
    await admin?.end();
  });

  it('goes 503 with the store reason while the database is gone, and ready again when it is back', async () => {
    expect((await get(gw.baseUrl, '/readyz')).status).toBe(200);
    await renameDatabase(admin, database, `${database}_away`);
    const down = await eventually(async () => {
      const ready = await get(gw.baseUrl, '/readyz');
      return ready.status === 503 ? ready : undefined;
    });
    const body = JSON.parse(down.text) as { checks: { store: { ok: boolean; reason: string } } };
    expect(body.checks.store.ok).toBe(false);
    expect(body.checks.store.reason).toMatch(/store unreachable/);
    expect((await get(gw.baseUrl, '/healthz')).status).toBe(200);

    await renameDatabase(admin, `${database}_away`, database);
    let last = '';
    await eventually(
      async () => {
        const ready = await get(gw.baseUrl, '/readyz');
        last = ready.text;
        return ready.status === 200;
      },
      { timeoutMs: 15_000 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last /readyz: ${last}`);
    });
  });
});
