import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export interface ConsoleSessionRecord {
  idHash: string;
  kind: 'token' | 'oidc';
  subject: string;
  claims: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

export async function insertConsoleSession(db: Kysely<Database>, record: ConsoleSessionRecord): Promise<void> {
  await db
    .insertInto('console_sessions')
    .values({
      id_hash: record.idHash,
      kind: record.kind,
      subject: record.subject,
      claims: JSON.stringify(record.claims),
      created_at: record.createdAt,
      expires_at: record.expiresAt,
      revoked_at: record.revokedAt,
    })
    .execute();
}

export async function findConsoleSession(db: Kysely<Database>, idHash: string): Promise<ConsoleSessionRecord | null> {
  const row = await db.selectFrom('console_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  if (!row) return null;
  return {
    idHash: row.id_hash,
    kind: row.kind === 'oidc' ? 'oidc' : 'token',
    subject: row.subject,
    claims: JSON.parse(row.claims) as Record<string, unknown>,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

export async function revokeConsoleSession(db: Kysely<Database>, idHash: string, now = Date.now()): Promise<void> {
  await db
    .updateTable('console_sessions')
    .set({ revoked_at: now })
    .where('id_hash', '=', idHash)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Sessions past their end are useless; deleting them keeps the table to the sessions that can still be used. */
export async function deleteExpiredConsoleSessions(db: Kysely<Database>, now = Date.now()): Promise<number> {
  const result = await db.deleteFrom('console_sessions').where('expires_at', '<', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
