import type { Kysely, Migration } from 'kysely';

/**
 * How far each audit export sink has delivered each chain: the highest `seq` the sink acknowledged. Written only
 * after the acknowledgement, so a restart resends at most the batch that was in flight, never skips one.
 */
export const auditExportMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('audit_export_cursors')
      .addColumn('sink', 'text', (c) => c.notNull())
      .addColumn('chain_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('audit_export_cursors_pk', ['sink', 'chain_id'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('audit_export_cursors').execute();
  },
};
