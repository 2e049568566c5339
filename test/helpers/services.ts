import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';

/**
 * PostgreSQL and Redis are real in tests. Locally a missing service skips the suite that needs it;
 * under CI=true it is a failure, never a silent skip.
 */
export const POSTGRES_URL = process.env.GATEHOUSE_TEST_POSTGRES_URL ?? 'postgres://gh:gh@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

const inCi = process.env.CI === 'true';

async function reachable(check: () => Promise<void>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch (error) {
    if (inCi) throw new Error(`required test service unavailable under CI=true: ${(error as Error).message}`);
    return false;
  }
}

export function postgresAvailable(): Promise<boolean> {
  return reachable(async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    await client.connect();
    await client.end();
  });
}

export function redisAvailable(): Promise<boolean> {
  return reachable(async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000 });
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  });
}

/** Creates a throwaway database and returns its URL and a function that drops it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `gh_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        // `with (force)` must signal every session on the database; an autovacuum worker there needs a role the
        // test user may lack (pg_signal_backend), so retry once it has moved on.
        for (let attempt = 0; ; attempt++) {
          try {
            await client.query(`drop database if exists ${name} with (force)`);
            return;
          } catch (error) {
            if (attempt >= 20) throw error;
            await new Promise((resolveWait) => setTimeout(resolveWait, 250));
          }
        }
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Cuts a gateway off its database by renaming it, and back. New connections are refused first: a gateway under
 * load reconnects between the terminate and the rename, and the rename fails while any session is open.
 */
export async function renameDatabase(admin: pg.Client, from: string, to: string): Promise<void> {
  await admin.query(`alter database ${from} allow_connections false`);
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [from],
      );
      await admin.query(`alter database ${from} rename to ${to}`);
      break;
    } catch (error) {
      // A terminated session can take a moment to leave pg_stat_activity.
      if (attempt >= 100) throw error;
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    }
  }
  await admin.query(`alter database ${to} allow_connections true`);
}

/** A loopback port nothing listens on: bind an ephemeral port, then release it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A throwaway Redis of the test's own (no persistence), so the test can kill and restart it. */
export function startRedisServer(port: number): ChildProcess {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  return spawn('redis-server', args, { stdio: 'ignore' });
}
