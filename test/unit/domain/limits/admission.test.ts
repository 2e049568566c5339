import { describe, expect, it } from 'vitest';
import { UUID_PATTERN } from '../../../../src/domain/ids.ts';
import {
  type AdmissionOutcomes,
  assembleAdmission,
  budgetKey,
  CONCURRENCY_RETRY_AFTER_MS,
  ceilMs,
  checkBudget,
  compileAdmission,
  DEFAULT_LEASE_TTL_MS,
  type LimitScope,
  scopeKey,
} from '../../../../src/domain/limits/index.ts';

const key: LimitScope = {
  level: 'key',
  id: 'k1',
  limits: {
    requestsPerMinute: 60,
    tokensPerMinute: 6_000,
    maxConcurrency: 2,
    budgets: [{ window: 'daily', maxUsd: 5 }],
  },
};
const team: LimitScope = { level: 'team', id: 't1', limits: { requestsPerMinute: 10, requestBurst: 2 } };

describe('compileAdmission', () => {
  it('lists one check per configured limit, keyed by scope', () => {
    const plan = compileAdmission({ scopes: [key, team], tokens: 99.2, costUsd: 0.5 });
    expect(plan.id).toMatch(new RegExp(UUID_PATTERN));
    expect(plan).toMatchObject({ tokens: 100, costUsd: 0.5, leaseTtlMs: DEFAULT_LEASE_TTL_MS });
    expect(plan.rates.map((c) => [c.key, c.limit, c.cost])).toEqual([
      ['r:key/k1:q', 60, 1],
      ['r:key/k1:t', 6_000, 100],
      ['r:team/t1:q', 10, 1],
    ]);
    expect(plan.rates[2]!.params).toEqual({ emissionMs: 6_000, toleranceMs: 12_000 });
    expect(plan.leases).toEqual([{ scope: { level: 'key', id: 'k1' }, key: 'c:key/k1', limit: 2 }]);
    expect(plan.budgets).toEqual([
      { scope: { level: 'key', id: 'k1' }, key: 'b:key/k1:d', window: 'daily', maxTokens: null, maxUsd: 5 },
    ]);
  });

  it('encodes ids and models so keys cannot collide', () => {
    expect(scopeKey({ level: 'key', id: 'a/b', model: 'llama3:8b' })).toBe('key/a%2Fb/llama3%3A8b');
    expect(scopeKey({ level: 'key', id: 'a', model: 'b/c' })).not.toBe(
      scopeKey({ level: 'key', id: 'a/b', model: 'c' }),
    );
    expect(budgetKey({ level: 'tenant', id: 'o' }, 'monthly')).toBe('b:tenant/o:m');
  });

  it('skips budgets with no maximum and keeps the caller id', () => {
    const scope: LimitScope = { level: 'key', id: 'k', limits: { budgets: [{ window: 'total' }] } };
    const plan = compileAdmission({ id: 'req-1', scopes: [scope], tokens: 0, costUsd: 0, leaseTtlMs: 1_000 });
    expect(plan).toMatchObject({ id: 'req-1', budgets: [], leaseTtlMs: 1_000 });
  });

  it('rejects malformed requests', () => {
    const bad =
      (scopes: LimitScope[], extra: object = {}) =>
      () =>
        compileAdmission({ scopes, tokens: 1, costUsd: 0, ...extra });
    expect(bad([key], { tokens: -1 })).toThrow(RangeError);
    expect(bad([key], { costUsd: Number.NaN })).toThrow(RangeError);
    expect(bad([key], { leaseTtlMs: 0 })).toThrow(RangeError);
    expect(bad([key], { id: '' })).toThrow(RangeError);
    expect(bad([key, key])).toThrow(/duplicate limit scope/);
    expect(bad([{ ...key, id: '' }])).toThrow(RangeError);
    expect(bad([{ ...key, level: 'org' as 'key' }])).toThrow(/unknown limit level/);
    expect(bad([{ level: 'key', id: 'k', limits: { tokensPerMinute: 0 } }])).toThrow(RangeError);
    expect(bad([{ level: 'key', id: 'k', limits: { requestsPerMinute: 10, requestBurst: 0.5 } }])).toThrow(RangeError);
    expect(bad([{ level: 'key', id: 'k', limits: { maxConcurrency: 0 } }])).toThrow(RangeError);
    const twice = {
      budgets: [
        { window: 'daily' as const, maxUsd: 1 },
        { window: 'daily' as const, maxTokens: 1 },
      ],
    };
    expect(bad([{ level: 'key', id: 'k', limits: twice }])).toThrow(/duplicate daily budget/);
    expect(bad([{ level: 'key', id: 'k', limits: { budgets: [{ window: 'total', maxUsd: -1 }] } }])).toThrow(
      RangeError,
    );
  });
});

describe('checkBudget', () => {
  const check = {
    scope: { level: 'key' as const, id: 'k' },
    key: 'b',
    window: 'total' as const,
    maxTokens: 100,
    maxUsd: 1,
  };

  it('admits up to and including the maximum', () => {
    expect(checkBudget({ tokens: 90, usd: 0.9 }, check, 10, 0.1)).toBeNull();
    expect(checkBudget({ tokens: 0, usd: 0.1 + 0.2 }, { ...check, maxUsd: 0.4 }, 0, 0.1)).toBeNull();
    expect(checkBudget({ tokens: 91, usd: 0 }, check, 10, 0)).toBe('tokens');
    expect(checkBudget({ tokens: 0, usd: 0.95 }, check, 1, 0.1)).toBe('usd');
  });

  it('does not check a unit the request does not spend', () => {
    expect(checkBudget({ tokens: 500, usd: 5 }, check, 0, 0)).toBeNull();
    expect(checkBudget({ tokens: 0, usd: 5 }, check, 10, 0)).toBeNull();
  });
});

describe('assembleAdmission', () => {
  const plan = compileAdmission({ id: 'r1', scopes: [key, team], tokens: 100, costUsd: 1 });
  const allowed = (remaining: number, resetMs: number) => ({ allowed: true, remaining, resetMs, retryAfterMs: 0 });
  const base = (): AdmissionOutcomes => ({
    now: Date.UTC(2026, 10, 22, 12),
    rates: [allowed(59, 1_000), allowed(5_900, 100), allowed(1, 6_000.0002)],
    leases: [{ allowed: true, inUse: 0 }],
    budgets: [{ allowed: true, deniedUnit: null, windowKey: 'd:2026-11-22' }],
  });

  it('builds the reservation and headers from the tightest level', () => {
    const result = assembleAdmission(plan, base());
    expect(result).toEqual({
      admitted: true,
      reservation: {
        id: 'r1',
        tokens: 100,
        costUsd: 1,
        leases: ['c:key/k1'],
        tokenBuckets: [{ key: 'r:key/k1:t', emissionMs: 10 }],
        budgets: [{ key: 'b:key/k1:d', windowKey: 'd:2026-11-22' }],
      },
      rate: {
        requests: { limit: 10, remaining: 1, resetMs: 6_000 },
        tokens: { limit: 6_000, remaining: 5_900, resetMs: 100 },
      },
    });
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('names the failing check with the longest wait', () => {
    const outcomes = base();
    outcomes.rates[0] = { allowed: false, remaining: 0, resetMs: 60_000, retryAfterMs: 500.2 };
    outcomes.leases[0] = { allowed: false, inUse: 2 };
    expect(assembleAdmission(plan, outcomes)).toEqual({
      admitted: false,
      denial: {
        scope: { level: 'key', id: 'k1' },
        kind: 'concurrency',
        limit: 2,
        unit: null,
        window: null,
        retryAfterMs: CONCURRENCY_RETRY_AFTER_MS,
        resetAt: null,
      },
    });
    outcomes.budgets[0] = { allowed: false, deniedUnit: 'usd', windowKey: 'd:2026-11-22' };
    const denial = assembleAdmission(plan, outcomes);
    expect(!denial.admitted && denial.denial).toEqual({
      scope: { level: 'key', id: 'k1' },
      kind: 'budget',
      limit: 5,
      unit: 'usd',
      window: 'daily',
      retryAfterMs: 12 * 3_600_000,
      resetAt: Date.UTC(2026, 10, 23),
    });
  });

  it('prefers a wait that never ends (null) over any finite one', () => {
    const outcomes = base();
    outcomes.rates[1] = { allowed: false, remaining: 0, resetMs: 0, retryAfterMs: null };
    outcomes.rates[2] = { allowed: false, remaining: 0, resetMs: 0, retryAfterMs: 10_000 };
    const result = assembleAdmission(plan, outcomes);
    expect(!result.admitted && result.denial).toMatchObject({ kind: 'tokens', retryAfterMs: null, resetAt: null });
  });

  it('rounds waits up to whole milliseconds without float noise', () => {
    expect(ceilMs(2_400.0001)).toBe(2_400);
    expect(ceilMs(2_400.5)).toBe(2_401);
    expect(ceilMs(0)).toBe(0);
  });
});
