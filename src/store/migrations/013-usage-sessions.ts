import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The spend ledger gains the agent session (`''` for requests without one) as part of its key, the cache and
 * reasoning token subsets, and what was not priced (requests and tokens of models with no price), so the usage
 * report can group by session and show unpriced spend instead of a silent 0. A primary key cannot be altered in
 * SQLite, so the table is rebuilt: new table, copy, drop, rename, indexes again.
 */
export const usageSessionsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('usage_daily_next')
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('team_id', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('session', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('requests', 'bigint', (c) => c.notNull())
      .addColumn('prompt_tokens', 'bigint', (c) => c.notNull())
      .addColumn('completion_tokens', 'bigint', (c) => c.notNull())
      .addColumn('total_tokens', 'bigint', (c) => c.notNull())
      .addColumn('cache_read_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('cache_write_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('reasoning_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('unpriced_requests', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('unpriced_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('cost_usd', 'double precision', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('usage_daily_session_pk', ['day', 'tenant_id', 'team_id', 'key_id', 'model', 'session'])
      .execute();
    await sql`insert into usage_daily_next (day, tenant_id, team_id, key_id, model, session, requests, prompt_tokens,
        completion_tokens, total_tokens, cost_usd, updated_at)
      select day, tenant_id, team_id, key_id, model, '', requests, prompt_tokens, completion_tokens, total_tokens,
        cost_usd, updated_at from usage_daily`.execute(db);
    await db.schema.dropTable('usage_daily').execute();
    await db.schema.alterTable('usage_daily_next').renameTo('usage_daily').execute();
    await db.schema.createIndex('usage_daily_key_day').on('usage_daily').columns(['key_id', 'day']).execute();
    await db.schema.createIndex('usage_daily_team_day').on('usage_daily').columns(['team_id', 'day']).execute();
    await db.schema.createIndex('usage_daily_tenant_day').on('usage_daily').columns(['tenant_id', 'day']).execute();
    await db.schema.createIndex('usage_daily_session_day').on('usage_daily').columns(['session', 'day']).execute();
  },
};
