import type { Kysely, Migration } from 'kysely';

/**
 * Opt-in prompt logs: one envelope (request and response bodies, AES-256-GCM under the KEK) per logged LLM call,
 * deleted once `expires_at` passes.
 */
export const promptLogsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('prompt_logs')
      .addColumn('request_id', 'text', (c) => c.primaryKey())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text')
      .addColumn('team_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('envelope', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('prompt_logs_expires_at').on('prompt_logs').column('expires_at').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('prompt_logs').execute();
  },
};
