import type { Kysely } from 'kysely';
import { NotFoundError } from '../errors.ts';
import { nextRevision } from '../revisions.ts';
import type { Database } from '../schema.ts';

/** Settings of a tenant or team, as the admission snapshot holds them. */
export interface ScopeSettingsRecord {
  id: string;
  settings: Record<string, unknown>;
  rev: number;
}

export type SettingsTable = 'tenants' | 'teams' | 'virtual_keys';

/**
 * Rewrites the settings of one tenant, team or key with `update` (given the current settings, inside the
 * transaction, so concurrent writers cannot lose each other's change). Stamps the row with a new revision so every
 * instance's snapshot sees the change on its next poll (within 1 s). `update` may throw to abort.
 */
export async function updateSettings(
  db: Kysely<Database>,
  table: SettingsTable,
  id: string,
  update: (current: Record<string, unknown>) => Record<string, unknown>,
  now = Date.now(),
): Promise<Record<string, unknown>> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom(table).select(['settings']).where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(table === 'virtual_keys' ? 'key' : table.slice(0, -1), id);
    const settings = update(JSON.parse(row.settings) as Record<string, unknown>);
    const rev = await nextRevision(trx);
    await trx
      .updateTable(table)
      .set({ settings: JSON.stringify(settings), updated_at: now, rev })
      .where('id', '=', id)
      .execute();
    return settings;
  });
}

/** The current settings of one tenant, team or key. */
export async function readSettings(
  db: Kysely<Database>,
  table: SettingsTable,
  id: string,
): Promise<Record<string, unknown>> {
  const row = await db.selectFrom(table).select(['settings']).where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(table === 'virtual_keys' ? 'key' : table.slice(0, -1), id);
  return JSON.parse(row.settings) as Record<string, unknown>;
}

async function listChanged(db: Kysely<Database>, table: 'tenants' | 'teams', sinceRev: number) {
  const rows = await db.selectFrom(table).select(['id', 'settings', 'rev']).where('rev', '>', sinceRev).execute();
  return rows.map(
    (row): ScopeSettingsRecord => ({
      id: row.id,
      settings: JSON.parse(row.settings) as Record<string, unknown>,
      rev: Number(row.rev),
    }),
  );
}

export function listTenantSettingsChangedSince(db: Kysely<Database>, sinceRev: number) {
  return listChanged(db, 'tenants', sinceRev);
}

export function listTeamSettingsChangedSince(db: Kysely<Database>, sinceRev: number) {
  return listChanged(db, 'teams', sinceRev);
}
