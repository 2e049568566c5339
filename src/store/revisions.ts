import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Takes the next store revision inside the caller's transaction. Every change to something the hot-path snapshot
 * holds (keys, teams, tenants) stamps its row with one, so instances refresh by reading only rows newer than the
 * revision they have. The single-row update serialises writers, so revisions commit in order.
 */
export async function nextRevision(trx: Kysely<Database>): Promise<number> {
  const row = await trx
    .updateTable('revisions')
    .set((eb) => ({ rev: eb('rev', '+', 1) }))
    .where('id', '=', 1)
    .returning('rev')
    .executeTakeFirstOrThrow();
  return Number(row.rev);
}

export async function currentRevision(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('revisions').select('rev').where('id', '=', 1).executeTakeFirstOrThrow();
  return Number(row.rev);
}
