import type { Kysely, Migration } from 'kysely';

/**
 * The spend ledger: usage and cost per UTC day, tenant, team, key and model (`''` for requests without a model).
 * One row per combination, incremented by the batched ledger writer; budgets are re-seeded from it at startup.
 * `cost_usd` is a double: sub-micro-dollar costs of small requests would vanish in an integer column.
 */
export const usageMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('usage_daily')
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('team_id', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('requests', 'bigint', (c) => c.notNull())
      .addColumn('prompt_tokens', 'bigint', (c) => c.notNull())
      .addColumn('completion_tokens', 'bigint', (c) => c.notNull())
      .addColumn('total_tokens', 'bigint', (c) => c.notNull())
      .addColumn('cost_usd', 'double precision', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('usage_daily_pk', ['day', 'tenant_id', 'team_id', 'key_id', 'model'])
      .execute();
    await db.schema.createIndex('usage_daily_key_day').on('usage_daily').columns(['key_id', 'day']).execute();
    await db.schema.createIndex('usage_daily_team_day').on('usage_daily').columns(['team_id', 'day']).execute();
    await db.schema.createIndex('usage_daily_tenant_day').on('usage_daily').columns(['tenant_id', 'day']).execute();
  },
};
