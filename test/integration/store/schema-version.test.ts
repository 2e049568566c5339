/**
 * Issue 17 "Bad input": a replica started against an unmigrated or a newer-schema database refuses, naming both
 * versions, and changes nothing; `gatehouse migrate` is the step that brings a database to this build's schema. On
 * SQLite and PostgreSQL, through the CLI in-process and through the real server process (exit 78).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { openServices } from '../../../src/services.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { MIGRATION_NAMES } from '../../../src/store/migrations/index.ts';
import {
  createGatewayEnvironment,
  type GatewayEnvironment,
  runCliWithEnv,
  type StoreKind,
  spawnGatewayProcess,
} from '../../helpers/gateway.ts';
import { postgresAvailable } from '../../helpers/services.ts';

const LATEST = MIGRATION_NAMES.at(-1) as string;
const LATEST_VERSION = Number.parseInt(LATEST, 10);
const FUTURE = `${String(LATEST_VERSION + 1).padStart(3, '0')}-from-a-newer-build`;

const environments: GatewayEnvironment[] = [];
afterEach(async () => {
  for (const environment of environments.splice(0)) await environment.dispose();
});

async function environmentFor(kind: StoreKind, extra: Record<string, string> = {}): Promise<GatewayEnvironment> {
  const environment = await createGatewayEnvironment(kind, extra);
  environments.push(environment);
  return environment;
}

function storeOf(environment: GatewayEnvironment): Store {
  return openStore({ dataDir: environment.dataDir, writeUrl: environment.env.DATABASE_WRITE_URL ?? null });
}

async function appliedMigrations(environment: GatewayEnvironment): Promise<string[]> {
  const store = storeOf(environment);
  try {
    if ((await store.schemaStatus()).name === null) return [];
    const rows = await store.write
      .selectFrom('kysely_migration' as never)
      .select('name' as never)
      .orderBy('name' as never)
      .execute();
    return rows.map((row) => (row as { name: string }).name);
  } finally {
    await store.close();
  }
}

/** Migrates with this build, then records a migration only a newer build has. */
async function migrateToFuture(environment: GatewayEnvironment): Promise<void> {
  const store = storeOf(environment);
  try {
    await store.migrate();
    await store.write
      .insertInto('kysely_migration' as never)
      .values({ name: FUTURE, timestamp: new Date().toISOString() } as never)
      .execute();
  } finally {
    await store.close();
  }
}

const kinds: StoreKind[] = (await postgresAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];

describe.each(kinds)('schema versions on %s', (kind) => {
  it('refuses an unmigrated database with GATEHOUSE_MIGRATE=off, naming both versions, and migrates nothing', async () => {
    const environment = await environmentFor(kind, { GATEHOUSE_MIGRATE: 'off' });
    await expect(openServices(loadConfig({ env: environment.env }))).rejects.toMatchObject({
      name: 'SchemaVersionError',
      message: `the database schema is at version 0 (empty); this build needs version ${LATEST_VERSION} (${LATEST}): run \`gatehouse migrate\` with this build first (GATEHOUSE_MIGRATE=off)`,
    });
    expect(await appliedMigrations(environment)).toEqual([]);

    const server = spawnGatewayProcess(environment.env);
    expect((await server.exit).code).toBe(78);
    expect(server.stderr()).toContain(`this build needs version ${LATEST_VERSION} (${LATEST})`);
  });

  it('migrates with `gatehouse migrate`, after which a GATEHOUSE_MIGRATE=off replica starts', async () => {
    const environment = await environmentFor(kind, { GATEHOUSE_MIGRATE: 'off' });
    const pending = await runCliWithEnv(environment.env, ['migrate', '--status']);
    expect(pending.code).toBe(1);
    expect(pending.stdout).toBe(`database at version 0 (empty); this build at version ${LATEST_VERSION} (${LATEST})`);
    expect(pending.stderr).toContain('migrations are pending');

    const migrated = await runCliWithEnv(environment.env, ['migrate', '--json']);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(JSON.parse(migrated.stdout)).toMatchObject({ from: 0, version: LATEST_VERSION, unknown: [] });
    expect(await appliedMigrations(environment)).toEqual([...MIGRATION_NAMES]);

    const again = await runCliWithEnv(environment.env, ['migrate']);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toBe(
      `database at version ${LATEST_VERSION} (${LATEST}); this build at version ${LATEST_VERSION} (${LATEST})`,
    );
    const listed = await runCliWithEnv(environment.env, ['tenant', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
  });

  it('refuses a database a newer build migrated, in either mode, and `migrate` leaves it alone', async () => {
    const environment = await environmentFor(kind);
    await migrateToFuture(environment);
    const newer = `the database schema is at version ${LATEST_VERSION + 1} (${FUTURE}), newer than this build's version ${LATEST_VERSION} (${LATEST}): run a Gatehouse build that has ${FUTURE}, or restore the database from before the upgrade`;

    for (const migrate of ['auto', 'off']) {
      const env = { ...environment.env, GATEHOUSE_MIGRATE: migrate };
      await expect(openServices(loadConfig({ env }))).rejects.toMatchObject({ message: newer });
      const cli = await runCliWithEnv(env, ['tenant', 'list']);
      expect(cli).toMatchObject({ code: 78, stderr: `gatehouse: ${newer}` });
    }
    const migrateCommand = await runCliWithEnv(environment.env, ['migrate']);
    expect(migrateCommand).toMatchObject({ code: 78, stderr: `gatehouse: ${newer}` });
    expect(await appliedMigrations(environment)).toEqual([...MIGRATION_NAMES, FUTURE]);

    const server = spawnGatewayProcess(environment.env);
    expect((await server.exit).code).toBe(78);
    expect(server.stderr()).toContain(newer);
  });
});

describe('GATEHOUSE_MIGRATE', () => {
  it('accepts auto and off only, naming the variable', async () => {
    const environment = await environmentFor('sqlite', { GATEHOUSE_MIGRATE: 'sometimes' });
    const result = await runCliWithEnv(environment.env, ['config', 'check']);
    expect(result).toMatchObject({ code: 78, stderr: 'gatehouse: GATEHOUSE_MIGRATE: must be auto or off' });
  });
});
