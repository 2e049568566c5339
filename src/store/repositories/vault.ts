import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../connect.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { nextRevision } from '../revisions.ts';
import type { Database, VaultIdempotencyTable } from '../schema.ts';

export interface VaultServiceRow {
  id: string;
  definition: unknown;
  deleted: boolean;
  rev: number;
}

export interface VaultGrantRow {
  keyId: string;
  service: string;
  active: boolean;
  createdAt: number;
  rev: number;
}

export interface VaultCredentialRow {
  service: string;
  scope: string;
  secretId: string;
  version: number;
  updatedAt: number;
  deleted: boolean;
  rev: number;
}

/** Successor → predecessor links of rotated keys, so grants follow a key through rotation. */
export interface KeyLineageRow {
  id: string;
  rotatedTo: string;
  rev: number;
}

export interface VaultChanges {
  services: VaultServiceRow[];
  grants: VaultGrantRow[];
  credentials: VaultCredentialRow[];
  lineage: KeyLineageRow[];
}

/** Everything the vault snapshot holds that changed after `rev` (deletions included, as tombstones). */
export async function listVaultChangesSince(db: Kysely<Database>, rev: number): Promise<VaultChanges> {
  const [services, grants, credentials, lineage] = await Promise.all([
    db.selectFrom('vault_services').selectAll().where('rev', '>', rev).orderBy('rev').execute(),
    db.selectFrom('vault_grants').selectAll().where('rev', '>', rev).orderBy('rev').execute(),
    db.selectFrom('vault_credentials').selectAll().where('rev', '>', rev).orderBy('rev').execute(),
    db
      .selectFrom('virtual_keys')
      .select(['id', 'rotated_to', 'rev'])
      .where('rev', '>', rev)
      .where('rotated_to', 'is not', null)
      .execute(),
  ]);
  return {
    services: services.map((row) => ({
      id: row.id,
      definition: JSON.parse(row.definition),
      deleted: row.deleted_at !== null,
      rev: Number(row.rev),
    })),
    grants: grants.map((row) => ({
      keyId: row.key_id,
      service: row.service,
      active: row.revoked_at === null,
      createdAt: Number(row.created_at),
      rev: Number(row.rev),
    })),
    credentials: credentials.map((row) => ({
      service: row.service,
      scope: row.scope,
      secretId: row.secret_id,
      version: Number(row.version),
      updatedAt: Number(row.updated_at),
      deleted: row.deleted_at !== null,
      rev: Number(row.rev),
    })),
    lineage: lineage.map((row) => ({ id: row.id, rotatedTo: row.rotated_to as string, rev: Number(row.rev) })),
  };
}

export async function insertService(db: Kysely<Database>, id: string, definition: unknown, now = Date.now()) {
  try {
    await db.transaction().execute(async (trx) => {
      const rev = await nextRevision(trx);
      const existing = await trx
        .selectFrom('vault_services')
        .select('deleted_at')
        .where('id', '=', id)
        .executeTakeFirst();
      if (existing && existing.deleted_at === null) throw new ConflictError('vault service', 'id', id);
      const values = { definition: JSON.stringify(definition), updated_at: now, deleted_at: null, rev };
      if (existing) await trx.updateTable('vault_services').set(values).where('id', '=', id).execute();
      else
        await trx
          .insertInto('vault_services')
          .values({ id, created_at: now, ...values })
          .execute();
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('vault service', 'id', id);
    throw error;
  }
}

export async function deleteService(db: Kysely<Database>, id: string, now = Date.now()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    const result = await trx
      .updateTable('vault_services')
      .set({ deleted_at: now, updated_at: now, rev })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new NotFoundError('vault service', id);
  });
}

/** Grants `services` to a key (idempotent), stamping a new revision so every instance sees it within 1 s. */
export async function grantServices(
  db: Kysely<Database>,
  keyId: string,
  services: readonly string[],
  now = Date.now(),
) {
  await db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    for (const service of services) {
      await trx
        .insertInto('vault_grants')
        .values({ key_id: keyId, service, created_at: now, revoked_at: null, rev })
        .onConflict((oc) => oc.columns(['key_id', 'service']).doUpdateSet({ revoked_at: null, created_at: now, rev }))
        .execute();
    }
  });
}

/** Revokes a service from every key in `keyIds` (a key and its rotation predecessors); false when none held it. */
export async function revokeService(
  db: Kysely<Database>,
  keyIds: readonly string[],
  service: string,
  now = Date.now(),
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    const result = await trx
      .updateTable('vault_grants')
      .set({ revoked_at: now, rev })
      .where('key_id', 'in', keyIds)
      .where('service', '=', service)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  });
}

/** Records which secret holds a credential; called after the envelope is written. */
export async function upsertCredential(
  db: Kysely<Database>,
  credential: { service: string; scope: string; secretId: string; version: number },
  now = Date.now(),
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    await trx
      .insertInto('vault_credentials')
      .values({
        service: credential.service,
        scope: credential.scope,
        secret_id: credential.secretId,
        version: credential.version,
        created_at: now,
        updated_at: now,
        deleted_at: null,
        rev,
      })
      .onConflict((oc) =>
        oc.columns(['service', 'scope']).doUpdateSet({
          secret_id: credential.secretId,
          version: credential.version,
          updated_at: now,
          deleted_at: null,
          rev,
        }),
      )
      .execute();
  });
}

export async function deleteCredential(db: Kysely<Database>, service: string, scope: string, now = Date.now()) {
  return db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    const result = await trx
      .updateTable('vault_credentials')
      .set({ deleted_at: now, updated_at: now, rev })
      .where('service', '=', service)
      .where('scope', '=', scope)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  });
}

export type IdempotencyRow = VaultIdempotencyTable;

/** Claims an Idempotency-Key; false when a live claim already exists (expired ones are replaced). */
export async function claimIdempotencyKey(db: Kysely<Database>, row: IdempotencyRow): Promise<boolean> {
  await db
    .deleteFrom('vault_idempotency')
    .where('key_id', '=', row.key_id)
    .where('service', '=', row.service)
    .where('idempotency_key', '=', row.idempotency_key)
    .where('expires_at', '<=', row.created_at)
    .execute();
  try {
    await db.insertInto('vault_idempotency').values(row).execute();
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

export async function findIdempotencyKey(
  db: Kysely<Database>,
  keyId: string,
  service: string,
  idempotencyKey: string,
): Promise<IdempotencyRow | null> {
  const row = await db
    .selectFrom('vault_idempotency')
    .selectAll()
    .where('key_id', '=', keyId)
    .where('service', '=', service)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
  return row
    ? { ...row, status: row.status === null ? null : Number(row.status), expires_at: Number(row.expires_at) }
    : null;
}

export async function completeIdempotencyKey(db: Kysely<Database>, id: string, status: number, response: string) {
  await db.updateTable('vault_idempotency').set({ status, response }).where('id', '=', id).execute();
}

export async function releaseIdempotencyKey(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('vault_idempotency').where('id', '=', id).execute();
}

export async function purgeExpiredIdempotencyKeys(db: Kysely<Database>, now = Date.now()): Promise<number> {
  const result = await db.deleteFrom('vault_idempotency').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
