import type { Kysely } from 'kysely';
import { uuidv7 } from '../../domain/ids.ts';
import type { Database, SecretsTable } from '../schema.ts';

export interface SecretMetadata {
  id: string;
  owner: string;
  name: string;
  kekId: string;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface SecretRow extends SecretMetadata {
  envelope: string;
}

function toSecret(row: SecretsTable): SecretRow {
  return {
    id: row.id,
    owner: row.owner,
    name: row.name,
    kekId: row.kek_id,
    version: Number(row.version),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    envelope: row.envelope,
  };
}

function withoutEnvelope({ envelope: _envelope, ...metadata }: SecretRow): SecretMetadata {
  return metadata;
}

/** Version 1 of a secret: the id is drawn first because `seal` binds the envelope to it. */
function newSecretRow(
  owner: string,
  name: string,
  seal: (id: string) => { envelope: string; kekId: string },
  now: number,
): SecretsTable {
  const id = uuidv7(now);
  const sealed = seal(id);
  return {
    id,
    owner,
    name,
    kek_id: sealed.kekId,
    envelope: sealed.envelope,
    version: 1,
    created_at: now,
    updated_at: now,
  };
}

/**
 * Creates or replaces a secret. The id is fixed before encryption because the envelope's AAD binds the ciphertext
 * to it; `seal` receives that id and returns the envelope JSON and its kek id.
 */
export async function putSecret(
  db: Kysely<Database>,
  owner: string,
  name: string,
  seal: (id: string) => { envelope: string; kekId: string },
  now = Date.now(),
): Promise<SecretMetadata> {
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('secrets')
      .selectAll()
      .where('owner', '=', owner)
      .where('name', '=', name)
      .executeTakeFirst();
    if (existing) {
      const sealed = seal(existing.id);
      const row = await trx
        .updateTable('secrets')
        .set({
          envelope: sealed.envelope,
          kek_id: sealed.kekId,
          version: Number(existing.version) + 1,
          updated_at: now,
        })
        .where('id', '=', existing.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return withoutEnvelope(toSecret(row));
    }
    const row = newSecretRow(owner, name, seal, now);
    await trx.insertInto('secrets').values(row).execute();
    return withoutEnvelope(toSecret(row));
  });
}

export async function getSecret(db: Kysely<Database>, owner: string, name: string): Promise<SecretRow | null> {
  const row = await db
    .selectFrom('secrets')
    .selectAll()
    .where('owner', '=', owner)
    .where('name', '=', name)
    .executeTakeFirst();
  return row ? toSecret(row) : null;
}

export async function listSecrets(db: Kysely<Database>, owner?: string): Promise<SecretMetadata[]> {
  let query = db.selectFrom('secrets').selectAll();
  if (owner) query = query.where('owner', '=', owner);
  const rows = await query.orderBy('owner').orderBy('name').execute();
  return rows.map((row) => withoutEnvelope(toSecret(row)));
}

export async function deleteSecret(db: Kysely<Database>, owner: string, name: string): Promise<boolean> {
  const result = await db.deleteFrom('secrets').where('owner', '=', owner).where('name', '=', name).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** A page of secrets whose envelope is not yet under `kekId`, in id order, for resumable rotation. */
export async function listSecretsNotUnderKek(
  db: Kysely<Database>,
  kekId: string,
  afterId: string | null,
  limit: number,
): Promise<SecretRow[]> {
  let query = db.selectFrom('secrets').selectAll().where('kek_id', '!=', kekId);
  if (afterId) query = query.where('id', '>', afterId);
  return (await query.orderBy('id').limit(limit).execute()).map(toSecret);
}

/**
 * Swaps a re-wrapped envelope in only if the row still holds the one that was read (compare-and-set), so a
 * rotation running beside a live `put` never overwrites the newer value.
 */
export async function replaceEnvelope(
  db: Kysely<Database>,
  id: string,
  previousEnvelope: string,
  next: { envelope: string; kekId: string },
): Promise<boolean> {
  const result = await db
    .updateTable('secrets')
    .set({ envelope: next.envelope, kek_id: next.kekId })
    .where('id', '=', id)
    .where('envelope', '=', previousEnvelope)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function listEnvelopeKekIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('secrets').select('kek_id').distinct().execute();
  return rows.map((row) => row.kek_id);
}

export async function getKeyChecks(db: Kysely<Database>): Promise<Map<string, string>> {
  const rows = await db.selectFrom('key_checks').selectAll().execute();
  return new Map(rows.map((row) => [row.kek_id, row.kcv]));
}

export async function insertKeyCheck(db: Kysely<Database>, kekId: string, kcv: string): Promise<void> {
  await db
    .insertInto('key_checks')
    .values({ kek_id: kekId, kcv, created_at: Date.now() })
    .onConflict((oc) => oc.column('kek_id').doNothing())
    .execute();
}

/** Inserts a secret only when none exists under that owner and name; first writer wins across instances. */
export async function insertSecretIfAbsent(
  db: Kysely<Database>,
  owner: string,
  name: string,
  seal: (id: string) => { envelope: string; kekId: string },
  now = Date.now(),
): Promise<void> {
  await db
    .insertInto('secrets')
    .values(newSecretRow(owner, name, seal, now))
    .onConflict((oc) => oc.columns(['owner', 'name']).doNothing())
    .execute();
}
