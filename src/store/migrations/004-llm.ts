import type { Kysely, Migration } from 'kysely';

/**
 * LLM upstreams and model groups added through the admin API (`/admin/v1/llm/*`). The spec is JSON text without
 * API keys: those are one envelope per upstream in `secrets`. Deletions are tombstones carrying a store revision,
 * so every instance sees them when it polls for rows newer than the revision it holds.
 */
export const llmMigration: Migration = {
  async up(db: Kysely<unknown>) {
    for (const table of ['llm_upstreams', 'llm_model_groups']) {
      await db.schema
        .createTable(table)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('deleted_at', 'bigint')
        .addColumn('rev', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex(`${table}_rev`).on(table).column('rev').execute();
    }
  },
};
