/**
 * Issue 14, finding 9: during a database outage `gatehouse_audit_queue_depth` reads the true number of pending
 * events (it read 0 while hundreds were pending, because it was only updated when a commit succeeded).
 */
import pg from 'pg';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startGateway, type TestGateway } from '../../helpers/gateway.ts';
import { POSTGRES_URL, postgresAvailable, renameDatabase } from '../../helpers/services.ts';

const pgOk = await postgresAvailable();

describe.skipIf(!pgOk)('issue 14 finding 9: the audit queue depth during a database outage (postgres)', () => {
  let gw: TestGateway;
  let admin: pg.Client;
  let database: string;

  async function scrapeDepth(): Promise<number> {
    const metrics = await request(`${gw.baseUrl}/metrics`);
    const match = /^gatehouse_audit_queue_depth (\d+)$/m.exec(await metrics.body.text());
    return Number(match?.[1] ?? Number.NaN);
  }

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

  it('counts every pending event while commits fail, and zero once they are committed', async () => {
    const identity = await gw.createIdentity();
    await gw.gateway.audit.flush();
    await renameDatabase(admin, database, `${database}_away`);
    const pending = Array.from({ length: 5 }, () =>
      request(`${gw.baseUrl}/gatehouse/v1/whoami`, { headers: identity.headers }).then(async (reply) => {
        await reply.body.dump();
        return reply.statusCode;
      }),
    );
    try {
      // Five held requests, plus each scrape's own event (recorded, never held): at least five, never 0.
      const depth = await eventually(async () => {
        const value = await scrapeDepth();
        return value >= 5 ? value : undefined;
      });
      expect(depth).toBeGreaterThanOrEqual(5);
    } finally {
      await renameDatabase(admin, `${database}_away`, database);
    }
    expect(await Promise.all(pending)).toEqual([200, 200, 200, 200, 200]);
    await eventually(async () => (await scrapeDepth()) === 0, { timeoutMs: 10_000 });
  });
});
