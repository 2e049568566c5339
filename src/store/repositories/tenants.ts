import type { Kysely } from 'kysely';
import { uuidv7 } from '../../domain/ids.ts';
import { isUniqueViolation } from '../connect.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { nextRevision } from '../revisions.ts';
import type { Database } from '../schema.ts';

export interface TenantRecord {
  id: string;
  name: string;
  settings: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface TeamRecord {
  id: string;
  tenantId: string;
  name: string;
  settings: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: string;
  name: string;
  settings: string;
  created_at: number;
  updated_at: number;
}

function toTenant(row: Row): TenantRecord {
  return {
    id: row.id,
    name: row.name,
    settings: JSON.parse(row.settings),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toTeam(row: Row & { tenant_id: string }): TeamRecord {
  return { ...toTenant(row), tenantId: row.tenant_id };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function createTenant(db: Kysely<Database>, name: string, now = Date.now()): Promise<TenantRecord> {
  try {
    return await db.transaction().execute(async (trx) => {
      const rev = await nextRevision(trx);
      const row = { id: uuidv7(now), name, settings: '{}', created_at: now, updated_at: now, rev };
      await trx.insertInto('tenants').values(row).execute();
      return toTenant(row);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('tenant', 'name', name);
    throw error;
  }
}

/** Finds a tenant by id or by name. */
export async function findTenant(db: Kysely<Database>, reference: string): Promise<TenantRecord> {
  const row = await db
    .selectFrom('tenants')
    .selectAll()
    .where(UUID.test(reference) ? 'id' : 'name', '=', reference)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('tenant', reference);
  return toTenant(row);
}

export async function listTenants(db: Kysely<Database>): Promise<TenantRecord[]> {
  const rows = await db.selectFrom('tenants').selectAll().orderBy('id').execute();
  return rows.map(toTenant);
}

export async function createTeam(
  db: Kysely<Database>,
  tenantId: string,
  name: string,
  now = Date.now(),
): Promise<TeamRecord> {
  try {
    return await db.transaction().execute(async (trx) => {
      const rev = await nextRevision(trx);
      const row = { id: uuidv7(now), tenant_id: tenantId, name, settings: '{}', created_at: now, updated_at: now, rev };
      await trx.insertInto('teams').values(row).execute();
      return toTeam(row);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('team', 'name', name);
    throw error;
  }
}

/** Finds a team of a tenant by id or by name; a team of another tenant is not found. */
export async function findTeam(db: Kysely<Database>, tenantId: string, reference: string): Promise<TeamRecord> {
  const row = await db
    .selectFrom('teams')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where(UUID.test(reference) ? 'id' : 'name', '=', reference)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('team', reference);
  return toTeam(row);
}

/** The team with id `id`, of whichever tenant; undefined when there is none. */
export async function findTeamById(db: Kysely<Database>, id: string): Promise<TeamRecord | undefined> {
  const row = await db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toTeam(row);
}

export async function listTeams(db: Kysely<Database>, tenantId: string): Promise<TeamRecord[]> {
  const rows = await db.selectFrom('teams').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute();
  return rows.map(toTeam);
}

export async function listAllTeams(db: Kysely<Database>): Promise<TeamRecord[]> {
  return (await db.selectFrom('teams').selectAll().orderBy('id').execute()).map(toTeam);
}
