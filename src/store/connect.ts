import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
} from 'kysely';
import pg from 'pg';
import { LATEST_MIGRATION, migrationProvider } from './migrations/index.ts';
import { createReplicaRouter, type ReplicaRouter, type ReplicaRouterOptions } from './replica-router.ts';
import type { Database } from './schema.ts';
import { assertNotNewer, type SchemaStatus, schemaStatusOf } from './schema-version.ts';

// bigint columns hold epoch milliseconds and counters, all far below 2^53: read them as numbers, not strings.
pg.types.setTypeParser(20, (value) => Number(value));

export type StoreDialect = 'sqlite' | 'postgres';

/**
 * The relational store. `write` is the primary; `read` serves reads that tolerate replica lag (listings, reports,
 * snapshot refresh) and is the primary itself when no replica is configured.
 */
export interface Store {
  readonly dialect: StoreDialect;
  readonly write: Kysely<Database>;
  /**
   * The embedded database itself, for the few hot writes (audit group commit) that use cached prepared statements
   * instead of building a query per batch; null on PostgreSQL.
   */
  readonly sqlite: SqliteDatabase.Database | null;
  readonly read: Kysely<Database>;
  /**
   * The read-replica circuit breaker when `DATABASE_READ_URL` is set: `read` follows it (the replica while fresh,
   * the primary when it fails or lags). Its probe runs only once `replica.start()` is called (the server does; the
   * CLI never does, so one-shot commands read the primary).
   */
  readonly replica: ReplicaRouter | null;
  /**
   * Applies pending migrations; safe to call from several processes (the migrator takes a lock). Refuses, with a
   * `SchemaVersionError` naming both versions, a database that a newer build migrated.
   */
  migrate(): Promise<void>;
  /** The database's schema version against this build's. */
  schemaStatus(): Promise<SchemaStatus>;
  /** Resolves when the primary answers and every migration is applied; rejects with the reason otherwise. */
  checkReady(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  dataDir: string;
  writeUrl: string | null;
  readUrl?: string | null;
  /** SQLite only; `normal` when absent. */
  sqliteSynchronous?: SqliteSynchronous;
  /** Names this instance's heartbeat row; defaults to `local`. */
  regionId?: string;
  replica?: Omit<ReplicaRouterOptions, 'primary' | 'replica' | 'regionId'>;
}

/**
 * SQLite's durability level (https://sqlite.org/pragma.html#pragma_synchronous): in WAL mode `normal` keeps every
 * committed transaction across a process crash (the WAL is written before commit returns, but synced only at
 * checkpoints), and `full` also across a power loss or OS crash (the WAL is synced at every commit).
 */
export type SqliteSynchronous = 'normal' | 'full';

function openSqliteDatabase(dataDir: string, synchronous: SqliteSynchronous): SqliteDatabase.Database {
  mkdirSync(dataDir, { recursive: true });
  const database = new SqliteDatabase(join(dataDir, 'gatehouse.db'));
  // WAL lets the CLI write while the server reads.
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  return database;
}

function openPostgres(url: string): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // An idle client that loses its connection emits 'error'; without a listener that would crash the process.
  pool.on('error', () => {});
  // pg-pool removes that listener while a client is checked out (pg-pool `_acquireClient`); a server-side
  // terminate arriving between Kysely's acquire and its query would then be an uncaught exception. The query
  // itself still fails and is handled by its caller.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Kysely begins SQLite transactions DEFERRED: a transaction that reads and then writes fails at once with
 * SQLITE_BUSY (no busy wait) if another connection committed in between, and the audit thread and the CLI are such
 * connections. IMMEDIATE takes the write lock at `begin`, waiting on `busy_timeout` like any single write.
 */
class ImmediateTransactionDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateTransactionDialect extends SqliteDialect {
  readonly #database: SqliteDatabase.Database;

  constructor(database: SqliteDatabase.Database) {
    super({ database });
    this.#database = database;
  }

  override createDriver(): ImmediateTransactionDriver {
    return new ImmediateTransactionDriver({ database: this.#database });
  }
}

/** Names of the applied migrations; none on a database no Gatehouse has migrated yet. */
async function appliedMigrations(db: Kysely<Database>, dialect: StoreDialect): Promise<string[]> {
  const table =
    dialect === 'sqlite'
      ? sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = 'kysely_migration'`
      : sql<{ n: number }>`select count(*)::int as n from information_schema.tables
          where table_schema = current_schema() and table_name = 'kysely_migration'`;
  const { rows } = await table.execute(db);
  if (!rows[0]?.n) return [];
  const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  return applied.rows.map((row) => row.name);
}

export function openStore(options: OpenStoreOptions): Store {
  const dialect: StoreDialect = options.writeUrl ? 'postgres' : 'sqlite';
  const sqlite = options.writeUrl ? null : openSqliteDatabase(options.dataDir, options.sqliteSynchronous ?? 'normal');
  const write = sqlite
    ? new Kysely<Database>({ dialect: new ImmediateTransactionDialect(sqlite) })
    : openPostgres(options.writeUrl as string);
  const replicaDb = options.readUrl ? openPostgres(options.readUrl) : null;
  const replica = replicaDb
    ? createReplicaRouter({
        ...options.replica,
        primary: write,
        replica: replicaDb,
        regionId: options.regionId ?? 'local',
      })
    : null;
  return {
    dialect,
    sqlite,
    write,
    get read() {
      return replica ? replica.current : write;
    },
    replica,
    async schemaStatus() {
      return schemaStatusOf(await appliedMigrations(write, dialect));
    },
    async migrate() {
      assertNotNewer(schemaStatusOf(await appliedMigrations(write, dialect)));
      const migrator = new Migrator({ db: write, provider: migrationProvider });
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
    },
    async checkReady() {
      const applied = await write
        .selectFrom('kysely_migration' as never)
        .select(sql<string>`max(name)`.as('latest'))
        .executeTakeFirst()
        .catch((error: Error) => {
          throw new Error(`store unreachable or not migrated: ${error.message}`);
        });
      const latest = (applied as { latest?: string } | undefined)?.latest;
      if (latest !== LATEST_MIGRATION)
        throw new Error(`migrations pending: at ${latest ?? 'none'}, need ${LATEST_MIGRATION}`);
    },
    async close() {
      replica?.stop();
      if (replicaDb) await replicaDb.destroy();
      await write.destroy();
    },
  };
}

/** True when the error is a unique-constraint violation, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True when the error is a foreign-key violation, on either engine. */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
