/**
 * Multi-region reads (issue 5): two real PostgreSQL databases, the second standing in for a regional replica that
 * this test feeds by copying every table from the primary. Lag-tolerant reads (admin listings, snapshot refresh) go
 * to the replica while its heartbeat is fresh, and fall back to the primary when it lags or fails (circuit breaker),
 * visible on /readyz and /metrics; writes always go to the primary.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type ReplicaRouter } from '../../../src/store/index.ts';
import { call } from '../../e2e/rbac/support.ts';
import {
  createGatewayEnvironment,
  type GatewayEnvironment,
  startGateway,
  type TestGateway,
} from '../../helpers/gateway.ts';
import { createTestDatabase, postgresAvailable } from '../../helpers/services.ts';

const ok = await postgresAvailable();

/** Copies every application table from primary to replica, as streaming replication would have by now. */
async function feedReplica(primaryUrl: string, replicaUrl: string): Promise<void> {
  const source = new pg.Client({ connectionString: primaryUrl });
  const target = new pg.Client({ connectionString: replicaUrl });
  await source.connect();
  await target.connect();
  try {
    const tables = await source.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'kysely_%'",
    );
    await target.query('begin');
    for (const { table_name: table } of tables.rows) {
      const rows = await source.query(`select * from "${table}"`);
      await target.query(`truncate "${table}" cascade`);
      for (const row of rows.rows) {
        const columns = Object.keys(row);
        const values = columns.map((column) => row[column]);
        await target.query(
          `insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) values (${columns.map((_, i) => `$${i + 1}`).join(',')})`,
          values,
        );
      }
    }
    await target.query('commit');
  } finally {
    await source.end();
    await target.end();
  }
}

async function queryOne(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<Record<string, unknown> | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows[0];
  } finally {
    await client.end();
  }
}

describe.skipIf(!ok)('read replica routing with a heartbeat circuit breaker (PostgreSQL x2)', () => {
  let environment: GatewayEnvironment;
  let replica: { url: string; drop: () => Promise<void> };
  let gw: TestGateway;
  let router: ReplicaRouter;
  let root: string;
  let primaryUrl: string;

  const tenantNames = async (): Promise<string[]> => {
    const reply = await call(gw.baseUrl, 'GET', '/admin/v1/tenants?limit=1000', { token: root });
    expect(reply.status).toBe(200);
    return (reply.json.data as Array<{ name: string }>).map((t) => t.name);
  };

  beforeAll(async () => {
    replica = await createTestDatabase();
    const replicaStore = openStore({ dataDir: '/nonexistent', writeUrl: replica.url });
    await replicaStore.migrate();
    await replicaStore.close();
    environment = await createGatewayEnvironment('postgres', {
      DATABASE_READ_URL: replica.url,
      DATABASE_READ_MAX_LAG_MS: '60000',
      REGION_ID: 'eu-west-1',
    });
    primaryUrl = environment.env.DATABASE_WRITE_URL as string;
    gw = await startGateway({ environment });
    router = gw.gateway.store.replica as ReplicaRouter;
    // Probes are driven by the test from here on, so the breaker's transitions happen exactly where asserted.
    router.stop();
    root = (await gw.gateway.admin.bootstrapPlatformAdmin('replica-admin@example.com')).token;
    await gw.gateway.adminSnapshot.refresh();
  });
  afterAll(async () => {
    await gw?.close();
    await environment?.dispose();
    await replica?.drop().catch(() => {});
  });

  it('starts on the primary: the replica has never received this instance’s heartbeat', async () => {
    expect(router.status()).toMatchObject({ using: 'primary', lagMs: null });
    expect(gw.gateway.store.read).toBe(gw.gateway.store.write);
    const ready = await call(gw.baseUrl, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json.checks).toMatchObject({ replica: { ok: false, reason: expect.stringContaining('heartbeat') } });
    const metrics = String((await call(gw.baseUrl, 'GET', '/metrics')).json.text);
    expect(metrics).toMatch(/^gatehouse_replica_in_use 0$/m);
    expect(metrics).toMatch(/^gatehouse_replica_lag_seconds -1$/m);
  });

  it('moves reads to the replica once it is fed and fresh; listings then read what the replica holds', async () => {
    await feedReplica(primaryUrl, replica.url);
    await router.probe();
    const status = await router.probe();
    expect(status.using).toBe('replica');
    expect(status.lagMs).toBeGreaterThanOrEqual(0);
    expect(gw.gateway.store.read).not.toBe(gw.gateway.store.write);
    await Promise.all([gw.gateway.snapshot.refresh(), gw.gateway.adminSnapshot.refresh()]);

    const created = await call(gw.baseUrl, 'POST', '/admin/v1/tenants', {
      token: root,
      body: { name: 'written-to-primary' },
    });
    expect(created.status).toBe(201);
    expect(await queryOne(primaryUrl, 'select name from tenants where id = $1', [created.json.id])).toEqual({
      name: 'written-to-primary',
    });
    expect(await queryOne(replica.url, 'select name from tenants where id = $1', [created.json.id])).toBeUndefined();
    expect(await tenantNames()).not.toContain('written-to-primary');
    await feedReplica(primaryUrl, replica.url);
    expect(await tenantNames()).toContain('written-to-primary');

    const ready = await call(gw.baseUrl, 'GET', '/readyz');
    expect(ready.json.checks).toMatchObject({ replica: { ok: true } });
    expect(String((await call(gw.baseUrl, 'GET', '/metrics')).json.text)).toMatch(/^gatehouse_replica_in_use 1$/m);
  });

  it('falls back to the primary when the replica lags beyond the bound', async () => {
    await call(gw.baseUrl, 'POST', '/admin/v1/tenants', { token: root, body: { name: 'while-lagging' } });
    // The replica still serves a heartbeat ten minutes old: replication has stalled that long.
    const client = new pg.Client({ connectionString: replica.url });
    await client.connect();
    await client.query('update region_heartbeats set beat_at = $1', [Date.now() - 600_000]);
    await client.end();
    const status = await router.probe();
    expect(status.using).toBe('primary');
    expect(status.reason).toMatch(/lag \d+ ms exceeds 60000 ms/);
    expect(status.fallbacks).toBe(1);
    expect(await tenantNames()).toContain('while-lagging');
    const metrics = String((await call(gw.baseUrl, 'GET', '/metrics')).json.text);
    expect(metrics).toMatch(/^gatehouse_replica_in_use 0$/m);
    expect(metrics).toMatch(/^gatehouse_replica_lag_seconds 6\d\d(\.\d+)?$/m);
    expect(metrics).toMatch(/^gatehouse_replica_fallbacks 1$/m);
  });

  it('needs consecutive healthy probes to return, then falls back again when the replica fails outright', async () => {
    await feedReplica(primaryUrl, replica.url);
    expect((await router.probe()).using).toBe('primary');
    await feedReplica(primaryUrl, replica.url);
    expect((await router.probe()).using).toBe('replica');

    await replica.drop();
    const status = await router.probe();
    expect(status).toMatchObject({ using: 'primary', fallbacks: 2 });
    expect(status.reason).toMatch(/^replica unavailable/);
    expect(await tenantNames()).toContain('while-lagging');
    const ready = await call(gw.baseUrl, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json.checks).toMatchObject({ replica: { ok: false, reason: expect.stringContaining('unavailable') } });
    const events = await gw.auditEvents();
    expect(events.at(-1)?.region).toBe('eu-west-1');
  });
});
