/**
 * Admin-defined LLM upstreams, model groups and prices. Specs are JSON text validated by the admin API before they get
 * here; API keys are never in these rows (one envelope per upstream in `secrets`).
 */
import type { Kysely } from 'kysely';
import { ConflictError, NotFoundError } from '../errors.ts';
import { nextRevision } from '../revisions.ts';
import type { Database } from '../schema.ts';

export type LlmConfigKind = 'llm_upstreams' | 'llm_model_groups' | 'llm_prices';

export interface LlmConfigRow {
  id: string;
  spec: unknown;
  createdAt: number;
  updatedAt: number;
}

type Db = Kysely<Database>;

const ENTITY: Record<LlmConfigKind, string> = {
  llm_upstreams: 'upstream',
  llm_model_groups: 'model group',
  llm_prices: 'price',
};

/** Highest revision across the tables (tombstones included): instances poll it to notice any change. */
export async function latestLlmRevision(db: Db): Promise<number> {
  const row = await db
    .selectFrom(
      db
        .selectFrom('llm_upstreams')
        .select('rev')
        .unionAll(db.selectFrom('llm_model_groups').select('rev'))
        .unionAll(db.selectFrom('llm_prices').select('rev'))
        .as('r'),
    )
    .select((eb) => eb.fn.max('r.rev').as('rev'))
    .executeTakeFirst();
  return Number(row?.rev ?? 0);
}

export async function listLlmConfig(db: Db, kind: LlmConfigKind): Promise<LlmConfigRow[]> {
  const rows = await db.selectFrom(kind).selectAll().where('deleted_at', 'is', null).orderBy('id').execute();
  return rows.map((row) => ({
    id: row.id,
    spec: JSON.parse(row.spec),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }));
}

/** Inserts a new row (reviving a tombstone); `ConflictError` when a live row has the id. */
export function insertLlmConfig(db: Db, kind: LlmConfigKind, id: string, spec: unknown, now = Date.now()) {
  return writeLlmConfig(db, kind, id, spec, now, false);
}

/** Inserts or replaces a row; a replaced live row keeps its creation time. */
export function upsertLlmConfig(db: Db, kind: LlmConfigKind, id: string, spec: unknown, now = Date.now()) {
  return writeLlmConfig(db, kind, id, spec, now, true);
}

async function writeLlmConfig(db: Db, kind: LlmConfigKind, id: string, spec: unknown, now: number, replace: boolean) {
  await db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    const existing = await trx
      .selectFrom(kind)
      .select(['deleted_at', 'created_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    const live = existing !== undefined && existing.deleted_at === null;
    if (live && !replace) throw new ConflictError(ENTITY[kind], 'id', id);
    const createdAt = live ? Number(existing.created_at) : now;
    const values = { spec: JSON.stringify(spec), created_at: createdAt, updated_at: now, deleted_at: null, rev };
    if (existing) await trx.updateTable(kind).set(values).where('id', '=', id).execute();
    else
      await trx
        .insertInto(kind)
        .values({ id, ...values })
        .execute();
  });
}

/** Replaces a live row's spec; `NotFoundError` when there is none. */
export async function updateLlmConfig(db: Db, kind: LlmConfigKind, id: string, spec: unknown, now = Date.now()) {
  await db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    const result = await trx
      .updateTable(kind)
      .set({ spec: JSON.stringify(spec), updated_at: now, rev })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new NotFoundError(ENTITY[kind], id);
  });
}

export async function deleteLlmConfig(db: Db, kind: LlmConfigKind, id: string, now = Date.now()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    const result = await trx
      .updateTable(kind)
      .set({ deleted_at: now, updated_at: now, rev })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new NotFoundError(ENTITY[kind], id);
  });
}
