import { type Kysely, type Migration, PostgresAdapter, sql } from 'kysely';

/**
 * Search columns for the audit API: team, model, trace id and agent session, each a copy of a field inside the
 * hashed body (verification compares them, like the older columns). Existing rows are backfilled from their bodies
 * so verification keeps passing on a store written before this migration.
 */
export const auditSearchMigration: Migration = {
  async up(db: Kysely<unknown>) {
    for (const column of ['team_id', 'model', 'trace_id', 'session_id']) {
      await db.schema.alterTable('audit_events').addColumn(column, 'text').execute();
    }
    await (db.getExecutor().adapter instanceof PostgresAdapter
      ? sql`update audit_events set
          team_id = body::jsonb -> 'principal' ->> 'team_id',
          model = case when jsonb_typeof(body::jsonb -> 'meta' -> 'model') = 'string' then body::jsonb -> 'meta' ->> 'model' end,
          trace_id = body::jsonb ->> 'trace_id',
          session_id = case when jsonb_typeof(body::jsonb -> 'meta' -> 'session') = 'string' then body::jsonb -> 'meta' ->> 'session' end`
      : sql`update audit_events set
          team_id = json_extract(body, '$.principal.team_id'),
          model = case when json_type(body, '$.meta.model') = 'text' then json_extract(body, '$.meta.model') end,
          trace_id = json_extract(body, '$.trace_id'),
          session_id = case when json_type(body, '$.meta.session') = 'text' then json_extract(body, '$.meta.session') end`
    ).execute(db);
    for (const column of ['request_id', 'team_id', 'model', 'trace_id', 'session_id']) {
      await db.schema.createIndex(`audit_events_${column}`).on('audit_events').column(column).execute();
    }
    await db.schema.createIndex('audit_events_ts_id').on('audit_events').columns(['ts', 'id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('audit_events_ts_id').execute();
    for (const column of ['request_id', 'team_id', 'model', 'trace_id', 'session_id']) {
      await db.schema.dropIndex(`audit_events_${column}`).execute();
    }
    for (const column of ['team_id', 'model', 'trace_id', 'session_id']) {
      await db.schema.alterTable('audit_events').dropColumn(column).execute();
    }
  },
};
