import { rmSync } from 'node:fs';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { type Database, openStore, RevisionSnapshot } from '../../../src/store/index.ts';
import { currentRevision, nextRevision } from '../../../src/store/revisions.ts';
import { createTempDir } from '../../helpers/gateway.ts';

/** Records the revision each load saw; the first load can be held open to reproduce a write racing it. */
class ProbeSnapshot extends RevisionSnapshot {
  readonly seen: number[] = [];
  hold: Promise<void> | null = null;

  protected async apply(db: Kysely<Database>): Promise<void> {
    this.seen.push(await currentRevision(db));
    await this.hold;
  }
}

describe('revision snapshot refresh', () => {
  it('a refresh asked for during a load resolves only after a load that sees a write made before the ask', async () => {
    const dataDir = createTempDir();
    const store = openStore({ dataDir, writeUrl: null });
    try {
      await store.migrate();
      const snapshot = new ProbeSnapshot({ store, refreshMs: 60_000 });
      let release = () => {};
      snapshot.hold = new Promise((resolve) => {
        release = resolve;
      });
      const inFlight = snapshot.refresh();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(snapshot.seen).toHaveLength(1);

      const written = await store.write.transaction().execute((trx) => nextRevision(trx));
      snapshot.hold = null;
      const afterWrite = snapshot.refresh();
      const alsoAfterWrite = snapshot.refresh();
      release();
      await Promise.all([inFlight, afterWrite, alsoAfterWrite]);

      expect(snapshot.seen.at(-1)).toBe(written);
      expect(snapshot.revision).toBe(written);
      // Both callers that arrived during the first load shared one follow-up load.
      expect(snapshot.seen).toHaveLength(2);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
