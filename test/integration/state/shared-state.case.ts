/**
 * The `SharedState` contract as one suite, run by every implementation (`memory.test.ts`,
 * `redis.test.ts`). Each test uses fresh scope ids, so tests never see each other's counters.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionRequest, AdmissionResult, LimitPolicy, LimitScope } from '../../../src/domain/limits/index.ts';
import { BudgetCountersStaleError, type SharedState, StateUnavailableError } from '../../../src/state/index.ts';
import { withEmptyLedger } from './built-budgets.ts';

export interface SharedStateHarness {
  /** Two handles on one shared state: two Redis clients, or one memory instance twice. */
  open(): Promise<{ a: SharedState; b: SharedState }>;
  /** A handle whose backend is unreachable, for implementations that have one. */
  openUnavailable?: () => Promise<SharedState>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function keyScope(limits: LimitPolicy, id: string = randomUUID(), model?: string): LimitScope {
  return model === undefined ? { level: 'key', id, limits } : { level: 'key', id, model, limits };
}

function request(
  scopes: LimitScope[],
  tokens = 0,
  costUsd = 0,
  extra: Partial<AdmissionRequest> = {},
): AdmissionRequest {
  return { scopes, tokens, costUsd, ...extra };
}

function admittedCount(results: AdmissionResult[]): number {
  return results.filter((result) => result.admitted).length;
}

function reservationOf(result: AdmissionResult) {
  if (!result.admitted) throw new Error(`expected admission, got ${JSON.stringify(result.denial)}`);
  return result.reservation;
}

function denialOf(result: AdmissionResult) {
  if (result.admitted) throw new Error('expected a denial');
  return result.denial;
}

export function describeSharedStateContract(name: string, harness: SharedStateHarness): void {
  describe(`SharedState contract: ${name}`, () => {
    let a: SharedState;
    let b: SharedState;
    let rawA: SharedState;
    let rawB: SharedState;

    beforeAll(async () => {
      ({ a: rawA, b: rawB } = await harness.open());
      a = withEmptyLedger(rawA);
      b = withEmptyLedger(rawB);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
    });

    describe('rate limits', () => {
      it('admits exactly the RPM under 50 parallel admits from two clients', async () => {
        const scope = keyScope({ requestsPerMinute: 10 });
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).admit(request([scope]))),
        );
        expect(admittedCount(results)).toBe(10);
        const denial = denialOf(results.find((result) => !result.admitted)!);
        expect(denial).toMatchObject({ kind: 'requests', limit: 10, scope: { level: 'key', id: scope.id } });
        expect(denial.retryAfterMs).toBeGreaterThan(0);
        expect(denial.resetAt).toBeGreaterThan(Date.now() - 60_000);
      });

      it('consumes nothing at any level when one level refuses', async () => {
        const key = keyScope({ requestsPerMinute: 2 });
        const team: LimitScope = { level: 'team', id: randomUUID(), limits: { requestsPerMinute: 1 } };
        expect((await a.admit(request([key, team]))).admitted).toBe(true);
        expect(denialOf(await b.admit(request([key, team])))).toMatchObject({
          kind: 'requests',
          scope: { level: 'team' },
        });
        const alone = await a.admit(request([key]));
        expect(alone.admitted && alone.rate.requests).toEqual({ limit: 2, remaining: 0, resetMs: expect.any(Number) });
      });

      it('reports rate headers from the tightest level', async () => {
        const key = keyScope({ requestsPerMinute: 100, tokensPerMinute: 10_000 });
        const tenant: LimitScope = { level: 'tenant', id: randomUUID(), limits: { requestsPerMinute: 5 } };
        const result = await a.admit(request([key, tenant], 400));
        expect(result.admitted && result.rate).toEqual({
          requests: { limit: 5, remaining: 4, resetMs: 12_000 },
          tokens: { limit: 10_000, remaining: 9_600, resetMs: 2_400 },
        });
      });

      it('limits tokens per minute on the reserved estimate', async () => {
        const scope = keyScope({ tokensPerMinute: 1_000 });
        expect((await a.admit(request([scope], 600))).admitted).toBe(true);
        const denial = denialOf(await b.admit(request([scope], 600)));
        expect(denial).toMatchObject({ kind: 'tokens', limit: 1_000 });
        expect(denial.retryAfterMs).toBeGreaterThan(0);
        expect(denial.retryAfterMs).toBeLessThanOrEqual(12_000);
        expect(denialOf(await a.admit(request([keyScope({ tokensPerMinute: 1_000 })], 5_000)))).toMatchObject({
          kind: 'tokens',
          retryAfterMs: null,
          resetAt: null,
        });
      });

      it('keeps per-model limits apart', async () => {
        const id = randomUUID();
        const gpt = keyScope({ requestsPerMinute: 1 }, id, 'gpt-4o');
        const llama = keyScope({ requestsPerMinute: 1 }, id, 'llama3:8b');
        expect((await a.admit(request([gpt]))).admitted).toBe(true);
        expect((await a.admit(request([llama]))).admitted).toBe(true);
        expect(denialOf(await b.admit(request([gpt]))).scope).toEqual({ level: 'key', id, model: 'gpt-4o' });
      });

      it('never blocks a scope that sets no limits', async () => {
        const scope = keyScope({});
        const results = await Promise.all(Array.from({ length: 20 }, () => a.admit(request([scope], 1e6, 1e3))));
        expect(admittedCount(results)).toBe(20);
      });
    });

    describe('concurrency leases', () => {
      it('holds at most maxConcurrency leases and frees one on settle', async () => {
        const scope = keyScope({ maxConcurrency: 2 });
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).admit(request([scope]))));
        expect(admittedCount(results)).toBe(2);
        expect(denialOf(results.find((r) => !r.admitted)!)).toMatchObject({ kind: 'concurrency', limit: 2 });
        await a.settle(reservationOf(results.find((r) => r.admitted)!), { tokens: 0, costUsd: 0 });
        expect((await b.admit(request([scope]))).admitted).toBe(true);
      });

      it('frees the slot of a holder that never settles once its lease expires', async () => {
        const scope = keyScope({ maxConcurrency: 1 });
        expect((await a.admit(request([scope], 0, 0, { leaseTtlMs: 100 }))).admitted).toBe(true);
        expect((await b.admit(request([scope]))).admitted).toBe(false);
        await sleep(200);
        expect((await b.admit(request([scope]))).admitted).toBe(true);
      });

      it('keeps a renewed lease past its first TTL', async () => {
        const scope = keyScope({ maxConcurrency: 1 });
        const held = reservationOf(await a.admit(request([scope], 0, 0, { leaseTtlMs: 100 })));
        await a.renewLeases(held, 60_000);
        await sleep(200);
        expect((await b.admit(request([scope]))).admitted).toBe(false);
      });
    });

    describe('budgets', () => {
      it('never lets concurrent reservations exceed a token budget', async () => {
        const scope = keyScope({ budgets: [{ window: 'daily', maxTokens: 1_000 }] });
        const results = await Promise.all(
          Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).admit(request([scope], 100))),
        );
        expect(admittedCount(results)).toBe(10);
        const denial = denialOf(results.find((r) => !r.admitted)!);
        expect(denial).toMatchObject({ kind: 'budget', unit: 'tokens', window: 'daily', limit: 1_000 });
        const reset = new Date(denial.resetAt!);
        expect([reset.getUTCHours(), reset.getUTCMinutes(), reset.getUTCSeconds()]).toEqual([0, 0, 0]);
        expect(denial.resetAt).toBeGreaterThan(Date.now());
      });

      it('never lets concurrent reservations exceed a USD budget, and names it', async () => {
        const scope = keyScope({ budgets: [{ window: 'monthly', maxUsd: 1 }] });
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).admit(request([scope], 10, 0.3))),
        );
        expect(admittedCount(results)).toBe(3);
        const denial = denialOf(results.find((r) => !r.admitted)!);
        expect(denial).toMatchObject({ kind: 'budget', unit: 'usd', window: 'monthly', limit: 1 });
        expect(new Date(denial.resetAt!).getUTCDate()).toBe(1);
      });

      it('does not block a zero-cost request on an exhausted USD budget', async () => {
        const scope = keyScope({ budgets: [{ window: 'total', maxUsd: 0.5 }] });
        expect((await a.admit(request([scope], 10, 0.5))).admitted).toBe(true);
        expect(denialOf(await a.admit(request([scope], 10, 0.01)))).toMatchObject({
          window: 'total',
          retryAfterMs: null,
        });
        expect((await b.admit(request([scope], 10, 0))).admitted).toBe(true);
      });

      it('corrects budgets and TPM by actual minus reserved on settle', async () => {
        const scope = keyScope({ tokensPerMinute: 1_000, budgets: [{ window: 'total', maxTokens: 1_000 }] });
        const first = reservationOf(await a.admit(request([scope], 900)));
        await b.settle(first, { tokens: 100, costUsd: 0 });
        const second = reservationOf(await a.admit(request([scope], 850)));
        await a.settle(second, { tokens: 850, costUsd: 0 });
        expect(denialOf(await b.admit(request([scope], 100)))).toMatchObject({ kind: 'budget', unit: 'tokens' });
      });

      it('applies a settle once however often it is called', async () => {
        const scope = keyScope({ maxConcurrency: 1, budgets: [{ window: 'total', maxTokens: 1_000, maxUsd: 10 }] });
        const held = reservationOf(await a.admit(request([scope], 500, 5)));
        await Promise.all([a.settle(held, { tokens: 100, costUsd: 1 }), b.settle(held, { tokens: 100, costUsd: 1 })]);
        await a.settle(held, { tokens: 100, costUsd: 1 });
        const next = reservationOf(await b.admit(request([scope], 900, 9)));
        await a.settle(held, { tokens: 0, costUsd: 0 });
        expect(denialOf(await a.admit(request([scope], 0, 0)))).toMatchObject({ kind: 'concurrency' });
        await b.settle(next, { tokens: 900, costUsd: 9 });
        expect(denialOf(await a.admit(request([scope], 1, 0)))).toMatchObject({ kind: 'budget', unit: 'tokens' });
      });

      it('[issue 14] refuses to count with a budget counter not built for its limits, until it is rebuilt', async () => {
        const id = randomUUID();
        const scope = keyScope({ budgets: [{ window: 'daily', maxTokens: 1_000 }] }, id);
        const stale = await rawA.admit(request([scope], 10)).catch((error: unknown) => error);
        expect(stale).toBeInstanceOf(BudgetCountersStaleError);
        const [check] = (stale as BudgetCountersStaleError).stale;
        if (check === undefined) throw new Error('no stale budget named');
        expect(check).toMatchObject({ window: 'daily', maxTokens: 1_000 });
        await rawA.rebuildBudget(check, { tokens: 950, costUsd: 0 });
        // Already built: a second rebuild (another instance) changes nothing.
        await rawB.rebuildBudget(check, { tokens: 0, costUsd: 0 });
        expect(denialOf(await rawB.admit(request([scope], 100)))).toMatchObject({ kind: 'budget' });
        expect((await rawB.admit(request([scope], 50))).admitted).toBe(true);
        // The same scope under other limits (a budget changed) is stale again.
        const changed = keyScope({ budgets: [{ window: 'daily', maxTokens: 2_000 }] }, id);
        await expect(rawA.admit(request([changed], 10))).rejects.toBeInstanceOf(BudgetCountersStaleError);
      });
    });

    describe('replay guard, locks, sliding windows', () => {
      it('consumeOnce admits each key maxUses times across clients', async () => {
        const jti = randomUUID();
        const once = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).consumeOnce(jti, 60_000)));
        expect(once.filter(Boolean)).toHaveLength(1);
        const thrice = randomUUID();
        const uses = await Promise.all(Array.from({ length: 10 }, () => b.consumeOnce(thrice, 60_000, 3)));
        expect(uses.filter(Boolean)).toHaveLength(3);
        const short = randomUUID();
        expect(await a.consumeOnce(short, 50)).toBe(true);
        await sleep(120);
        expect(await b.consumeOnce(short, 50)).toBe(true);
      });

      it('tryLock gives one holder at a time and unlock needs its token', async () => {
        const key = randomUUID();
        const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).tryLock(key, 60_000)));
        const holders = tokens.filter((token): token is string => token !== null);
        expect(holders).toHaveLength(1);
        expect(await b.unlock(key, 'not-the-token')).toBe(false);
        expect(await a.tryLock(key, 60_000)).toBeNull();
        expect(await b.unlock(key, holders[0]!)).toBe(true);
        expect(await a.unlock(key, holders[0]!)).toBe(false);
        expect(await a.tryLock(key, 50)).toEqual(expect.any(String));
        await sleep(120);
        expect(await b.tryLock(key, 60_000)).toEqual(expect.any(String));
      });

      it('slidingWindowHit allows limit hits per window', async () => {
        const key = randomUUID();
        const hits = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).slidingWindowHit(key, 3, 150)),
        );
        expect(hits.filter((hit) => hit.allowed)).toHaveLength(3);
        expect(hits.map((hit) => hit.remaining).sort()).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 2]);
        const refused = hits.find((hit) => !hit.allowed)!;
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(150);
        await sleep(250);
        expect((await a.slidingWindowHit(key, 3, 150)).allowed).toBe(true);
      });
    });

    describe('pub/sub', () => {
      it('delivers to every subscriber until it unsubscribes', async () => {
        const channel = `invalidate-${randomUUID()}`;
        const first: string[] = [];
        const second: string[] = [];
        const stopFirst = await b.subscribe(channel, (message) => first.push(message));
        const stopSecond = await a.subscribe(channel, (message) => second.push(message));
        await a.publish(channel, 'key:1');
        await expect.poll(() => first.length + second.length).toBe(2);
        await stopFirst();
        await a.publish(channel, 'key:2');
        await expect.poll(() => second).toEqual(['key:1', 'key:2']);
        expect(first).toEqual(['key:1']);
        await stopSecond();
      });
    });

    describe('bad input changes nothing', () => {
      it('rejects malformed admissions with RangeError', async () => {
        const scope = keyScope({ requestsPerMinute: 1 });
        await expect(a.admit(request([scope], -1))).rejects.toThrow(RangeError);
        await expect(a.admit(request([scope], Number.NaN))).rejects.toThrow(RangeError);
        await expect(a.admit(request([scope, scope]))).rejects.toThrow(/duplicate/);
        await expect(a.admit(request([{ ...scope, level: 'org' as 'key' }]))).rejects.toThrow(RangeError);
        await expect(a.admit(request([keyScope({ requestsPerMinute: -5 })]))).rejects.toThrow(RangeError);
        await expect(a.admit(request([keyScope({ maxConcurrency: 1.5 })]))).rejects.toThrow(RangeError);
        const badWindow = keyScope({ budgets: [{ window: 'weekly' as 'daily', maxTokens: 1 }] });
        await expect(a.admit(request([badWindow]))).rejects.toThrow(RangeError);
        expect((await a.admit(request([scope]))).admitted).toBe(true);
      });

      it('rejects malformed settles, rebuilds and arguments', async () => {
        const scope = keyScope({ budgets: [{ window: 'total', maxTokens: 100 }] });
        const held = reservationOf(await a.admit(request([scope], 100)));
        await expect(a.settle(held, { tokens: -1, costUsd: 0 })).rejects.toThrow(RangeError);
        await expect(a.settle({ id: 'x' } as typeof held, { tokens: 0, costUsd: 0 })).rejects.toThrow(RangeError);
        const check = {
          scope: { level: 'key' as const, id: scope.id },
          key: `k:${scope.id}:t`,
          window: 'total' as const,
          maxTokens: 100,
          maxUsd: null,
        };
        await expect(a.rebuildBudget(check, { tokens: Number.NaN, costUsd: 0 })).rejects.toThrow(RangeError);
        await expect(a.rebuildBudget(check, { tokens: 0, costUsd: -1 })).rejects.toThrow(RangeError);
        await expect(a.slidingWindowHit('k', 0, 1000)).rejects.toThrow(RangeError);
        await expect(a.consumeOnce('k', 0)).rejects.toThrow(RangeError);
        await expect(a.consumeOnce('k', 1000, 0)).rejects.toThrow(RangeError);
        await expect(a.tryLock('k', -1)).rejects.toThrow(RangeError);
        await expect(a.renewLeases(held, 0)).rejects.toThrow(RangeError);
        await a.settle(held, { tokens: 40, costUsd: 0 });
        expect((await b.admit(request([scope], 60))).admitted).toBe(true);
      });
    });

    it('answers ping', async () => {
      await expect(a.ping()).resolves.toBeUndefined();
    });

    // Only a remote backend can be unreachable; the in-process one has no such case to run (rather than a skip).
    if (harness.openUnavailable !== undefined)
      describe('backend unavailable', () => {
        it('rejects every operation with StateUnavailableError', { timeout: 10_000 }, async () => {
          const down = await harness.openUnavailable!();
          const scope = keyScope({ requestsPerMinute: 1 });
          const reservation = { id: 'r', tokens: 0, costUsd: 0, leases: ['c:x'], tokenBuckets: [], budgets: [] };
          const calls: Promise<unknown>[] = [
            down.admit(request([scope])),
            down.settle(reservation, { tokens: 0, costUsd: 0 }),
            down.renewLeases(reservation, 1000),
            down.slidingWindowHit('k', 1, 1000),
            down.consumeOnce('k', 1000),
            down.tryLock('k', 1000),
            down.unlock('k', 't'),
            down.publish('c', 'm'),
            down.subscribe('c', () => {}),
            down.rebuildBudget(
              { scope: { level: 'key', id: 'k' }, key: 'k:k:t', window: 'total', maxTokens: 1, maxUsd: null },
              { tokens: 1, costUsd: 0 },
            ),
            down.ping(),
          ];
          const outcomes = await Promise.allSettled(calls);
          for (const outcome of outcomes) {
            expect(outcome.status).toBe('rejected');
            if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(StateUnavailableError);
          }
          await down.close();
        });
      });
  });
}
