import type { Kysely } from 'kysely';
import { NotFoundError } from '../errors.ts';
import { nextRevision } from '../revisions.ts';
import type { Database, VirtualKeysTable } from '../schema.ts';

export interface KeyRecord {
  id: string;
  tenantId: string;
  teamId: string;
  name: string;
  prefix: string;
  hash: string;
  hashMode: 'hmac' | 'argon2id';
  settings: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  rotatedTo: string | null;
  rev: number;
}

export type NewKey = Omit<KeyRecord, 'rev' | 'updatedAt' | 'revokedAt' | 'rotatedTo'>;

function toKey(row: VirtualKeysTable): KeyRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    teamId: row.team_id,
    name: row.name,
    prefix: row.prefix,
    hash: row.hash,
    hashMode: row.hash_mode === 'argon2id' ? 'argon2id' : 'hmac',
    settings: JSON.parse(row.settings),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    rotatedTo: row.rotated_to,
    rev: Number(row.rev),
  };
}

function toRow(key: NewKey, rev: number): VirtualKeysTable {
  return {
    id: key.id,
    tenant_id: key.tenantId,
    team_id: key.teamId,
    name: key.name,
    prefix: key.prefix,
    hash: key.hash,
    hash_mode: key.hashMode,
    settings: JSON.stringify(key.settings),
    created_at: key.createdAt,
    updated_at: key.createdAt,
    expires_at: key.expiresAt,
    revoked_at: null,
    rotated_to: null,
    rev,
  };
}

export async function insertKey(db: Kysely<Database>, key: NewKey): Promise<KeyRecord> {
  return db.transaction().execute(async (trx) => {
    const row = toRow(key, await nextRevision(trx));
    await trx.insertInto('virtual_keys').values(row).execute();
    return toKey(row);
  });
}

export async function listKeys(db: Kysely<Database>, tenantId: string, teamId?: string): Promise<KeyRecord[]> {
  let query = db.selectFrom('virtual_keys').selectAll().where('tenant_id', '=', tenantId);
  if (teamId) query = query.where('team_id', '=', teamId);
  return (await query.orderBy('id').execute()).map(toKey);
}

/** Finds one key by id or by its display prefix; an ambiguous prefix is an error, never a guess. */
export async function findKey(db: Kysely<Database>, reference: string): Promise<KeyRecord> {
  const rows = await db
    .selectFrom('virtual_keys')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', reference), eb('prefix', '=', reference)]))
    .limit(2)
    .execute();
  if (rows.length > 1) throw new NotFoundError('key', reference, 'is ambiguous: use the key id');
  if (!rows[0]) throw new NotFoundError('key', reference);
  return toKey(rows[0]);
}

/** Keys changed after `rev`, for incremental snapshot refresh. */
export async function listKeysChangedSince(db: Kysely<Database>, rev: number): Promise<KeyRecord[]> {
  const rows = await db.selectFrom('virtual_keys').selectAll().where('rev', '>', rev).orderBy('rev').execute();
  return rows.map(toKey);
}

export async function revokeKey(db: Kysely<Database>, id: string, now = Date.now()): Promise<KeyRecord> {
  return db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    const row = await trx
      .updateTable('virtual_keys')
      .set({ revoked_at: now, updated_at: now, rev })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new NotFoundError('key', id);
    return toKey(row);
  });
}

/**
 * Replaces a key: inserts the successor and limits the old key's life to `graceUntil` (revoked at once when the
 * grace is zero), in one transaction so there is never a moment with neither or with an unbounded old key.
 */
export async function rotateKey(
  db: Kysely<Database>,
  oldId: string,
  successor: NewKey,
  graceUntil: number,
): Promise<{ old: KeyRecord; next: KeyRecord }> {
  return db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    const current = await trx.selectFrom('virtual_keys').selectAll().where('id', '=', oldId).executeTakeFirst();
    if (!current) throw new NotFoundError('key', oldId);
    if (current.revoked_at !== null) throw new NotFoundError('key', oldId, 'is revoked');
    const nextRow = toRow(successor, rev);
    await trx.insertInto('virtual_keys').values(nextRow).execute();
    const now = successor.createdAt;
    const oldExpiry = current.expires_at === null ? graceUntil : Math.min(Number(current.expires_at), graceUntil);
    const old = await trx
      .updateTable('virtual_keys')
      .set({
        rotated_to: successor.id,
        updated_at: now,
        rev,
        expires_at: oldExpiry,
        revoked_at: graceUntil <= now ? now : null,
      })
      .where('id', '=', oldId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { old: toKey(old), next: toKey(nextRow) };
  });
}

/**
 * Changes a key's name or settings if it is still at `expectedRev` (null skips the check), in one transaction with
 * a new revision so every instance's snapshot picks the change up. Returns null when the revision moved on.
 */
export async function updateKey(
  db: Kysely<Database>,
  id: string,
  changes: { name?: string; settings?: Record<string, unknown> },
  expectedRev: number | null,
  now = Date.now(),
): Promise<KeyRecord | null> {
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('virtual_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!current) throw new NotFoundError('key', id);
    if (expectedRev !== null && Number(current.rev) !== expectedRev) return null;
    const rev = await nextRevision(trx);
    const row = await trx
      .updateTable('virtual_keys')
      .set({
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.settings !== undefined ? { settings: JSON.stringify(changes.settings) } : {}),
        updated_at: now,
        rev,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toKey(row);
  });
}
