import type { Kysely, Migration } from 'kysely';

/**
 * One heartbeat row per gateway instance: written to the primary, read back from the regional replica, the age of
 * what the replica returns is its replication lag (src/store/replica-router.ts).
 */
export const regionHeartbeatsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('region_heartbeats')
      .addColumn('instance_id', 'text', (c) => c.primaryKey())
      .addColumn('region_id', 'text', (c) => c.notNull())
      .addColumn('beat_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('region_heartbeats').execute();
  },
};
