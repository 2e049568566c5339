import { describe, expect, it } from 'vitest';
import { windowKey } from '../../../src/domain/limits/index.ts';
import { createMemorySharedState, StateUnavailableError } from '../../../src/state/index.ts';
import { OPEN_RESERVATION_TTL_MS } from '../../../src/state/validate.ts';
import { withEmptyLedger } from './built-budgets.ts';
import { describeSharedStateContract } from './shared-state.case.ts';

describeSharedStateContract('memory', {
  open: async () => {
    const state = createMemorySharedState();
    return { a: state, b: state };
  },
});

describe('memory shared state with an injected clock', () => {
  const DAY = 86_400_000;

  it('drops a settle correction once the charged window has rolled over', async () => {
    let now = Date.UTC(2026, 10, 22, 23, 59, 0);
    const state = withEmptyLedger(createMemorySharedState({ now: () => now }));
    const scope = {
      level: 'key' as const,
      id: 'k1',
      limits: { budgets: [{ window: 'daily' as const, maxTokens: 1_000 }] },
    };
    const first = await state.admit({ scopes: [scope], tokens: 800, costUsd: 0 });
    expect(first.admitted && first.reservation.budgets[0]?.windowKey).toBe('d:2026-11-22');
    now += 2 * 60_000;
    const second = await state.admit({ scopes: [scope], tokens: 900, costUsd: 0 });
    expect(second.admitted).toBe(true);
    if (first.admitted) await state.settle(first.reservation, { tokens: 10_000, costUsd: 0 });
    expect((await state.admit({ scopes: [scope], tokens: 100, costUsd: 0 })).admitted).toBe(true);
    expect(windowKey('daily', now)).toBe('d:2026-11-23');
  });

  it('applies a settle while the reservation is open and drops one that comes later', async () => {
    let now = 10 * DAY;
    const state = withEmptyLedger(createMemorySharedState({ now: () => now }));
    const scope = {
      level: 'key' as const,
      id: 'k3',
      limits: { budgets: [{ window: 'total' as const, maxTokens: 1_000 }] },
    };
    const onTime = await state.admit({ scopes: [scope], tokens: 600, costUsd: 0 });
    expect(onTime.admitted).toBe(true);
    now += OPEN_RESERVATION_TTL_MS - 1;
    if (onTime.admitted) await state.settle(onTime.reservation, { tokens: 0, costUsd: 0 });
    const late = await state.admit({ scopes: [scope], tokens: 600, costUsd: 0 });
    expect(late.admitted).toBe(true);
    now += OPEN_RESERVATION_TTL_MS;
    if (late.admitted) await state.settle(late.reservation, { tokens: 0, costUsd: 0 });
    // The late settle changed nothing: its 600 reserved tokens stay charged, so 500 more do not fit.
    expect((await state.admit({ scopes: [scope], tokens: 500, costUsd: 0 })).admitted).toBe(false);
  });

  it('frees an expired lease without waiting in real time', async () => {
    let now = 1_000_000;
    const state = withEmptyLedger(createMemorySharedState({ now: () => now }));
    const scope = { level: 'team' as const, id: 't1', limits: { maxConcurrency: 1 } };
    expect((await state.admit({ scopes: [scope], tokens: 0, costUsd: 0, leaseTtlMs: 5_000 })).admitted).toBe(true);
    now += 4_999;
    expect((await state.admit({ scopes: [scope], tokens: 0, costUsd: 0 })).admitted).toBe(false);
    now += 1;
    expect((await state.admit({ scopes: [scope], tokens: 0, costUsd: 0 })).admitted).toBe(true);
  });

  it('forgets expired entries in its periodic sweep and keeps live ones', async () => {
    let now = 5 * DAY;
    const state = withEmptyLedger(createMemorySharedState({ now: () => now }));
    const scope = { level: 'key' as const, id: 'k2', limits: { requestsPerMinute: 1 } };
    expect((await state.admit({ scopes: [scope], tokens: 0, costUsd: 0 })).admitted).toBe(true);
    for (let i = 0; i < 2_048; i++) await state.consumeOnce(`jti-${i}`, 10);
    now += 61_000;
    for (let i = 0; i < 2_048; i++) await state.ping();
    expect(await state.consumeOnce('jti-0', 10)).toBe(true);
    expect((await state.admit({ scopes: [scope], tokens: 0, costUsd: 0 })).admitted).toBe(true);
  });

  it('refuses every call after close', async () => {
    const state = createMemorySharedState();
    await state.close();
    await expect(state.ping()).rejects.toBeInstanceOf(StateUnavailableError);
    await expect(state.admit({ scopes: [], tokens: 0, costUsd: 0 })).rejects.toBeInstanceOf(StateUnavailableError);
  });

  it('passes handler exceptions to onError and still delivers to other subscribers', async () => {
    const errors: unknown[] = [];
    const state = createMemorySharedState({ onError: (error) => errors.push(error) });
    const received: string[] = [];
    await state.subscribe('c', () => {
      throw new Error('boom');
    });
    await state.subscribe('c', (message) => received.push(message));
    await state.publish('c', 'hello');
    await expect.poll(() => received).toEqual(['hello']);
    expect(errors).toHaveLength(1);
  });
});
