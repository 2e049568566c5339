import { rmSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.ts';
import { createTempDir } from '../../helpers/gateway.ts';
import { describeStoreContract } from './store.case.ts';

describeStoreContract('sqlite', {
  async open() {
    const dataDir = createTempDir();
    return {
      store: openStore({ dataDir, writeUrl: null }),
      dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  },
});

describe('sqlite transactions next to another connection (the audit thread, the CLI)', () => {
  it('take the write lock at begin, so a read-then-write transaction cannot lose it to a commit in between', async () => {
    const dataDir = createTempDir();
    const store = openStore({ dataDir, writeUrl: null });
    await store.migrate();
    const other = new SqliteDatabase(join(dataDir, 'gatehouse.db'));
    // No busy wait: the other connection answers at once whether it could write.
    other.pragma('busy_timeout = 0');
    const insertChain = (id: string) =>
      other
        .prepare(
          'insert into audit_chains (chain_id, region, started_at, head_seq, head_hash, updated_at) values (?, ?, 1, 0, ?, 1)',
        )
        .run(id, 'local', '0'.repeat(64));
    let otherRefused: unknown = null;
    try {
      await store.write.transaction().execute(async (trx) => {
        await trx.selectFrom('audit_chains').select('chain_id').execute();
        try {
          insertChain('from-the-other-connection');
        } catch (error) {
          otherRefused = error;
        }
        // With a DEFERRED begin the other insert would have committed, and this write would fail with SQLITE_BUSY.
        await trx
          .insertInto('audit_chains')
          .values({
            chain_id: 'from-kysely',
            region: 'local',
            started_at: 1,
            head_seq: 0,
            head_hash: '0'.repeat(64),
            updated_at: 1,
          })
          .execute();
      });
      expect((otherRefused as { code?: string } | null)?.code).toBe('SQLITE_BUSY');
      insertChain('after-commit');
      const ids = (await store.write.selectFrom('audit_chains').select('chain_id').execute()).map(
        (row) => row.chain_id,
      );
      expect(ids.sort()).toEqual(['after-commit', 'from-kysely']);
    } finally {
      other.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
