/**
 * The audit writer on its own thread (DESIGN §6): drafts posted from the request thread are sealed and committed
 * by a worker with its own store connection. Held to the in-thread writer's promises: nothing accepted is lost or
 * stored twice, back-pressure counts every unacknowledged event, close() drains, and a thread that dies is
 * replaced without losing what it was handed. Run on SQLite and PostgreSQL.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuditWriter, ThreadedAuditWriter, verifyStoredChains } from '../../../src/audit/index.ts';
import type { AuditEventDraft } from '../../../src/domain/audit/index.ts';
import { uuidv7 } from '../../../src/domain/ids.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { createTempDir, eventually } from '../../helpers/gateway.ts';
import { createTestDatabase, postgresAvailable } from '../../helpers/services.ts';
import { makeDraft } from '../../unit/domain/audit/fixtures.ts';

/** A fresh id per draft: the store refuses a repeated event id. */
function draft(): AuditEventDraft {
  const now = Date.now();
  return makeDraft({ id: uuidv7(now), ts: new Date(now).toISOString(), request_id: uuidv7(now) });
}

interface Logged {
  level: 'error' | 'warn';
  message: string;
}

async function storedIds(store: Store): Promise<string[]> {
  const rows = await store.write.selectFrom('audit_events').select('id').execute();
  return rows.map((row) => row.id);
}

const until = (condition: () => boolean, timeoutMs = 10_000) => eventually(condition, { timeoutMs, intervalMs: 10 });

const dialects = [
  ['sqlite', async () => true],
  ['postgres', postgresAvailable],
] as const;

for (const [dialect, available] of dialects) {
  describe(`ThreadedAuditWriter (${dialect})`, async () => {
    const enabled = await available();
    let dataDir: string;
    let writeUrl: string | null = null;
    let dropDatabase: (() => Promise<void>) | null = null;
    let store: Store;
    const writers: ThreadedAuditWriter[] = [];
    const logged: Logged[] = [];

    function writer(options: { queueLimit?: number; batchSize?: number; flushIntervalMs?: number } = {}) {
      const created = new ThreadedAuditWriter({
        store: { dataDir, writeUrl },
        regionId: 'local',
        queueLimit: options.queueLimit ?? 10_000,
        batchSize: options.batchSize ?? 512,
        flushIntervalMs: options.flushIntervalMs ?? 20,
        logger: {
          error: (_detail, message) => logged.push({ level: 'error', message }),
          warn: (_detail, message) => logged.push({ level: 'warn', message }),
        },
      });
      writers.push(created);
      return created;
    }

    beforeAll(async () => {
      if (!enabled) return;
      dataDir = createTempDir('gatehouse-audit-thread-');
      if (dialect === 'postgres') {
        const database = await createTestDatabase();
        writeUrl = database.url;
        dropDatabase = database.drop;
      }
      store = openStore({ dataDir, writeUrl });
      await store.migrate();
    });
    afterEach(async () => {
      for (const created of writers.splice(0)) await created.close();
      logged.length = 0;
    });
    afterAll(async () => {
      if (!enabled) return;
      await store.close();
      await dropDatabase?.();
    });

    it.skipIf(!enabled)(
      'commits on its own thread; flush resolves once every event is stored and chained',
      async () => {
        const audit = writer();
        await audit.start();
        const drafts = Array.from({ length: 1200 }, draft);
        for (const event of drafts) audit.enqueue(event);
        expect(audit.depth).toBe(1200);
        await audit.flush();
        expect(audit.depth).toBe(0);
        expect(audit.lastError).toBeNull();
        const ids = new Set(await storedIds(store));
        expect(drafts.every((event) => ids.has(event.id))).toBe(true);
        const chains = await verifyStoredChains(store);
        const mine = chains.find((chain) => chain.chainId === audit.chainId);
        expect(mine).toMatchObject({ ok: true, count: 1200 });
      },
    );

    it.skipIf(!enabled)('counts unacknowledged events against queueLimit until the thread commits them', async () => {
      const audit = writer({ queueLimit: 5, batchSize: 1000, flushIntervalMs: 600_000 });
      await audit.start();
      for (let i = 0; i < 4; i++) audit.enqueue(draft());
      expect(audit.overloaded).toBe(false);
      audit.enqueue(draft());
      expect(audit.overloaded).toBe(true);
      // Posted to the thread but not committed (the flush interval is ten minutes): still counted.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(audit.depth).toBe(5);
      expect(audit.overloaded).toBe(true);
      await audit.flush();
      expect(audit.overloaded).toBe(false);
    });

    it.skipIf(!enabled)('close() drains every accepted event before the thread stops', async () => {
      const audit = writer({ flushIntervalMs: 600_000, batchSize: 100_000 });
      await audit.start();
      const drafts = Array.from({ length: 300 }, draft);
      for (const event of drafts) audit.enqueue(event);
      await audit.close();
      const ids = new Set(await storedIds(store));
      expect(drafts.every((event) => ids.has(event.id))).toBe(true);
    });

    it.skipIf(!enabled)(
      'a thread that dies is replaced on a new chain and what it held is stored exactly once',
      async () => {
        const audit = writer({ flushIntervalMs: 600_000, batchSize: 100_000 });
        await audit.start();
        const firstChain = audit.chainId;
        const before = Array.from({ length: 50 }, draft);
        for (const event of before) audit.enqueue(event);
        await new Promise((resolve) => setTimeout(resolve, 50));
        await audit.terminateThreadForTest();
        await until(() => audit.lastError !== null);
        expect(audit.lastError?.message).toMatch(/audit thread exited/);
        // Accepted while the thread is down: kept, and handed to its replacement.
        const during = Array.from({ length: 20 }, draft);
        for (const event of during) audit.enqueue(event);
        await until(() => audit.chainId !== firstChain);
        await audit.flush();
        expect(audit.depth).toBe(0);
        expect(audit.lastError).toBeNull();
        const ids = await storedIds(store);
        for (const event of [...before, ...during]) {
          expect(ids.filter((id) => id === event.id)).toHaveLength(1);
        }
        const replacement = (await verifyStoredChains(store)).find((chain) => chain.chainId === audit.chainId);
        expect(replacement).toMatchObject({ ok: true, count: 70 });
        expect(logged.some((entry) => entry.level === 'error' && /restarting/.test(entry.message))).toBe(true);
      },
    );

    it.skipIf(!enabled)(
      'a replacement drops what the dead thread had stored but not yet acknowledged, and stores the rest',
      async () => {
        const audit = writer({ flushIntervalMs: 600_000, batchSize: 100_000 });
        await audit.start();
        const drafts = Array.from({ length: 30 }, draft);
        for (const event of drafts) audit.enqueue(event);
        await new Promise((resolve) => setTimeout(resolve, 50));
        // The dead thread's last commit, whose acknowledgement never arrived: the oldest ten are already stored.
        const deadThread = new AuditWriter({
          store,
          regionId: 'local',
          queueLimit: 100,
          batchSize: 100,
          flushIntervalMs: 600_000,
          logger: { error: () => {}, warn: () => {} },
        });
        for (const event of drafts.slice(0, 10)) deadThread.enqueue(event);
        await deadThread.close();
        const firstChain = audit.chainId;
        await audit.terminateThreadForTest();
        await until(() => audit.chainId !== firstChain);
        await audit.flush();
        expect(audit.depth).toBe(0);
        const ids = await storedIds(store);
        for (const event of drafts) expect(ids.filter((id) => id === event.id)).toHaveLength(1);
        const replacement = (await verifyStoredChains(store)).find((chain) => chain.chainId === audit.chainId);
        expect(replacement).toMatchObject({ ok: true, count: 20 });
      },
    );

    it.skipIf(!enabled)('never stores an event twice, wherever between commits the thread dies', async () => {
      // Tiny batches committed as fast as they come: the thread is stopped at an arbitrary point between
      // commits and acknowledgements. Whatever it had stored is dropped from the resend; the rest is stored.
      const audit = writer({ flushIntervalMs: 1, batchSize: 5 });
      await audit.start();
      const drafts = Array.from({ length: 400 }, draft);
      for (const event of drafts) audit.enqueue(event);
      await new Promise((resolve) => setTimeout(resolve, 15));
      await audit.terminateThreadForTest();
      await until(() => audit.lastError !== null);
      await until(() => audit.depth === 0, 20_000);
      const ids = await storedIds(store);
      const counts = new Map<string, number>();
      for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
      for (const event of drafts) expect(counts.get(event.id)).toBe(1);
      for (const chain of await verifyStoredChains(store)) expect(chain.ok).toBe(true);
    });
  });
}
