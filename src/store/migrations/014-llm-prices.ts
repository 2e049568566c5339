import type { Kysely, Migration } from 'kysely';

/**
 * Model prices set through the admin API (`/admin/v1/llm/prices`), over the config file's and the built-in ones.
 * Same shape as the other admin-defined LLM tables (migration 004): `id` is the model name, `spec` the price as JSON,
 * deletions are tombstones carrying a store revision, so the poll that refreshes routing on every instance sees a
 * price change too.
 */
export const llmPricesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('llm_prices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('deleted_at', 'bigint')
      .addColumn('rev', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('llm_prices_rev').on('llm_prices').column('rev').execute();
  },
};
