import type { Kysely } from 'kysely';
import { uuidv7 } from '../../domain/ids.ts';
import { isUniqueViolation } from '../connect.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { nextRevision } from '../revisions.ts';
import type { AdminTokensTable, BindingsTable, Database, RolesTable, UsersTable } from '../schema.ts';

export interface UserRecord {
  id: string;
  tenantId: string | null;
  email: string;
  name: string;
  createdAt: number;
  disabledAt: number | null;
}

export interface AdminTokenRecord {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  hash: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface RoleRecord {
  name: string;
  description: string;
  permissions: string[];
  includes: string[];
  version: number;
  updatedAt: number;
}

export interface BindingRecord {
  id: string;
  principal: string;
  role: string;
  scope: string;
  effect: 'allow' | 'deny';
  createdBy: string | null;
  createdAt: number;
}

const toUser = (row: UsersTable): UserRecord => ({
  id: row.id,
  tenantId: row.tenant_id,
  email: row.email,
  name: row.name,
  createdAt: Number(row.created_at),
  disabledAt: row.disabled_at === null ? null : Number(row.disabled_at),
});

const toToken = (row: AdminTokensTable): AdminTokenRecord => ({
  id: row.id,
  userId: row.user_id,
  name: row.name,
  prefix: row.prefix,
  hash: row.hash,
  createdAt: Number(row.created_at),
  expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
});

const toRole = (row: RolesTable): RoleRecord => ({
  name: row.name,
  description: row.description,
  permissions: JSON.parse(row.permissions),
  includes: JSON.parse(row.includes),
  version: Number(row.version),
  updatedAt: Number(row.updated_at),
});

const toBinding = (row: BindingsTable): BindingRecord => ({
  id: row.id,
  principal: row.principal,
  role: row.role,
  scope: row.scope,
  effect: row.effect === 'deny' ? 'deny' : 'allow',
  createdBy: row.created_by,
  createdAt: Number(row.created_at),
});

export async function createUser(
  db: Kysely<Database>,
  input: { email: string; name: string; tenantId: string | null },
  now = Date.now(),
): Promise<UserRecord> {
  const row: UsersTable = {
    id: uuidv7(now),
    tenant_id: input.tenantId,
    email: input.email,
    name: input.name,
    created_at: now,
    updated_at: now,
    disabled_at: null,
  };
  try {
    await db.insertInto('users').values(row).execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('user', 'email', input.email);
    throw error;
  }
  return toUser(row);
}

export async function findUser(db: Kysely<Database>, reference: string): Promise<UserRecord> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', reference), eb('email', '=', reference)]))
    .executeTakeFirst();
  if (!row) throw new NotFoundError('user', reference);
  return toUser(row);
}

export async function listUsers(db: Kysely<Database>, tenantId?: string): Promise<UserRecord[]> {
  let query = db.selectFrom('users').selectAll();
  if (tenantId) query = query.where('tenant_id', '=', tenantId);
  return (await query.orderBy('id').execute()).map(toUser);
}

export async function insertAdminToken(
  db: Kysely<Database>,
  token: Omit<AdminTokenRecord, 'revokedAt'>,
): Promise<AdminTokenRecord> {
  return db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    const row: AdminTokensTable = {
      id: token.id,
      user_id: token.userId,
      name: token.name,
      prefix: token.prefix,
      hash: token.hash,
      created_at: token.createdAt,
      updated_at: token.createdAt,
      expires_at: token.expiresAt,
      revoked_at: null,
      rev,
    };
    await trx.insertInto('admin_tokens').values(row).execute();
    return toToken(row);
  });
}

export async function revokeAdminToken(db: Kysely<Database>, id: string, now = Date.now()): Promise<AdminTokenRecord> {
  return db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    const row = await trx
      .updateTable('admin_tokens')
      .set({ revoked_at: now, updated_at: now, rev })
      .where((eb) => eb.or([eb('id', '=', id), eb('prefix', '=', id)]))
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new NotFoundError('admin token', id);
    return toToken(row);
  });
}

export async function listAdminTokensChangedSince(db: Kysely<Database>, rev: number): Promise<AdminTokenRecord[]> {
  const rows = await db.selectFrom('admin_tokens').selectAll().where('rev', '>', rev).orderBy('rev').execute();
  return rows.map(toToken);
}

/** The newest revision stamped on any role or binding: the policy snapshot rebuilds only when it moves. */
export async function policyRevision(db: Kysely<Database>): Promise<number> {
  const roles = await db
    .selectFrom('roles')
    .select((eb) => eb.fn.max('rev').as('rev'))
    .executeTakeFirst();
  const bindings = await db
    .selectFrom('bindings')
    .select((eb) => eb.fn.max('rev').as('rev'))
    .executeTakeFirst();
  return Math.max(Number(roles?.rev ?? 0), Number(bindings?.rev ?? 0));
}

export async function listRoles(db: Kysely<Database>): Promise<RoleRecord[]> {
  const rows = await db.selectFrom('roles').selectAll().where('deleted_at', 'is', null).orderBy('name').execute();
  return rows.map(toRole);
}

export async function findRole(db: Kysely<Database>, name: string): Promise<RoleRecord | null> {
  const row = await db
    .selectFrom('roles')
    .selectAll()
    .where('name', '=', name)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row ? toRole(row) : null;
}

/**
 * Creates or replaces a custom role. `expectedVersion` implements If-Match: null means "must not exist", a number
 * means "must still be at this version"; a mismatch is a ConflictError and nothing is written.
 */
export async function saveRole(
  db: Kysely<Database>,
  role: { name: string; description: string; permissions: string[]; includes: string[] },
  expectedVersion: number | null | undefined,
  now = Date.now(),
): Promise<RoleRecord> {
  return db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    const existing = await trx.selectFrom('roles').selectAll().where('name', '=', role.name).executeTakeFirst();
    const live = existing && existing.deleted_at === null ? existing : null;
    if (expectedVersion === null && live) throw new ConflictError('role', 'name', role.name);
    if (typeof expectedVersion === 'number' && (!live || Number(live.version) !== expectedVersion)) {
      throw new ConflictError('role', 'version', `${role.name}@${expectedVersion}`);
    }
    const values = {
      description: role.description,
      permissions: JSON.stringify(role.permissions),
      includes: JSON.stringify(role.includes),
      updated_at: now,
      deleted_at: null,
      version: live ? Number(live.version) + 1 : 1,
      rev,
    };
    if (existing) {
      await trx.updateTable('roles').set(values).where('name', '=', role.name).execute();
    } else {
      await trx
        .insertInto('roles')
        .values({ name: role.name, created_at: now, ...values })
        .execute();
    }
    return toRole({ name: role.name, created_at: Number(existing?.created_at ?? now), ...values });
  });
}

export async function deleteRole(db: Kysely<Database>, name: string, now = Date.now()): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    const result = await trx
      .updateTable('roles')
      .set({ deleted_at: now, updated_at: now, rev })
      .where('name', '=', name)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  });
}

export async function listBindings(
  db: Kysely<Database>,
  filter: { principal?: string } = {},
): Promise<BindingRecord[]> {
  let query = db.selectFrom('bindings').selectAll().where('deleted_at', 'is', null);
  if (filter.principal) query = query.where('principal', '=', filter.principal);
  return (await query.orderBy('id').execute()).map(toBinding);
}

export async function createBinding(
  db: Kysely<Database>,
  binding: Omit<BindingRecord, 'id' | 'createdAt'>,
  now = Date.now(),
): Promise<BindingRecord> {
  return db.transaction().execute(async (trx) => {
    const duplicate = await trx
      .selectFrom('bindings')
      .select('id')
      .where('principal', '=', binding.principal)
      .where('role', '=', binding.role)
      .where('scope', '=', binding.scope)
      .where('effect', '=', binding.effect)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (duplicate) throw new ConflictError('binding', 'id', duplicate.id);
    const rev = await nextRevision(trx);
    const row: BindingsTable = {
      id: uuidv7(now),
      principal: binding.principal,
      role: binding.role,
      scope: binding.scope,
      effect: binding.effect,
      created_by: binding.createdBy,
      created_at: now,
      deleted_at: null,
      rev,
    };
    await trx.insertInto('bindings').values(row).execute();
    return toBinding(row);
  });
}

export async function findBinding(db: Kysely<Database>, id: string): Promise<BindingRecord> {
  const row = await db
    .selectFrom('bindings')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('binding', id);
  return toBinding(row);
}

export async function deleteBinding(db: Kysely<Database>, id: string, now = Date.now()): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    const result = await trx
      .updateTable('bindings')
      .set({ deleted_at: now, rev })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  });
}

export interface StoredIdempotentResponse {
  requestHash: string;
  status: number;
  response: string;
  createdAt: number;
}

export async function findIdempotentResponse(
  db: Kysely<Database>,
  scope: string,
  key: string,
): Promise<StoredIdempotentResponse | null> {
  const row = await db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('scope', '=', scope)
    .where('key', '=', key)
    .executeTakeFirst();
  return row
    ? {
        requestHash: row.request_hash,
        status: Number(row.status),
        response: row.response,
        createdAt: Number(row.created_at),
      }
    : null;
}

export async function saveIdempotentResponse(
  db: Kysely<Database>,
  entry: { scope: string; key: string; requestHash: string; status: number; response: string },
  now = Date.now(),
): Promise<void> {
  await db
    .insertInto('idempotency_keys')
    .values({
      scope: entry.scope,
      key: entry.key,
      request_hash: entry.requestHash,
      status: entry.status,
      response: entry.response,
      created_at: now,
    })
    // Only reached when the stored entry is missing or past its TTL, so replacing it is safe.
    .onConflict((oc) =>
      oc.columns(['scope', 'key']).doUpdateSet({
        request_hash: entry.requestHash,
        status: entry.status,
        response: entry.response,
        created_at: now,
      }),
    )
    .execute();
}
