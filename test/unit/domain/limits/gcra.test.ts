import { describe, expect, it } from 'vitest';
import {
  adjustGcraState,
  checkGcra,
  createGcraParams,
  type GcraParams,
  type GcraState,
  owedAt,
} from '../../../../src/domain/limits/index.ts';

/** Deterministic PRNG (mulberry32) so a failing schedule can be replayed from its seed. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Admitted {
  at: number;
  cost: number;
}

function run(params: GcraParams, schedule: { at: number; cost: number }[]): Admitted[] {
  let state: GcraState | null = null;
  const admitted: Admitted[] = [];
  for (const { at, cost } of schedule) {
    const decision = checkGcra(state, at, params, cost);
    if (decision.allowed) {
      state = decision.state;
      admitted.push({ at, cost });
    }
  }
  return admitted;
}

/** Largest total cost admitted in any half-open window [t, t + width) that starts at an admission. */
function busiestWindow(admitted: Admitted[], width: number): number {
  let best = 0;
  for (let i = 0; i < admitted.length; i++) {
    let sum = 0;
    for (let j = i; j < admitted.length && admitted[j]!.at < admitted[i]!.at + width; j++) sum += admitted[j]!.cost;
    best = Math.max(best, sum);
  }
  return best;
}

describe('GCRA', () => {
  it('admits a full burst at once, then one unit per emission interval', () => {
    const params = createGcraParams(10, 10);
    let state: GcraState | null = null;
    for (let i = 0; i < 10; i++) {
      const decision = checkGcra(state, 0, params, 1);
      expect(decision).toMatchObject({ allowed: true, remaining: 9 - i });
      state = decision.state;
    }
    expect(checkGcra(state, 0, params, 1)).toMatchObject({ allowed: false, retryAfterMs: 6_000, remaining: 0 });
    expect(checkGcra(state, 5_999, params, 1).allowed).toBe(false);
    expect(checkGcra(state, 6_000, params, 1)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('is smooth with burst 1: exactly one request per interval', () => {
    const params = createGcraParams(60, 1);
    const first = checkGcra(null, 10_000, params, 1);
    expect(first).toMatchObject({ allowed: true, resetMs: 1_000, remaining: 0 });
    expect(checkGcra(first.state, 10_999, params, 1)).toMatchObject({ allowed: false, retryAfterMs: 1 });
    expect(checkGcra(first.state, 11_000, params, 1).allowed).toBe(true);
  });

  it('admits the whole burst when the limit does not divide the period (float sums)', () => {
    for (const limit of [3, 7, 9, 11, 13, 17, 33, 97]) {
      const params = createGcraParams(limit);
      const admitted = run(
        params,
        Array.from({ length: limit + 1 }, () => ({ at: 1_763_812_345_678, cost: 1 })),
      );
      expect(admitted).toHaveLength(limit);
    }
  });

  it('never admits a cost above the burst and says waiting will not help', () => {
    const decision = checkGcra(null, 0, createGcraParams(1_000, 500), 501);
    expect(decision).toMatchObject({ allowed: false, retryAfterMs: null });
    expect(checkGcra(null, 0, createGcraParams(1_000, 500), 500).allowed).toBe(true);
  });

  it('a refund moves the TAT back and a charge pushes it forward', () => {
    const params = createGcraParams(1_000);
    const decision = checkGcra(null, 0, params, 900);
    expect(checkGcra(decision.state, 0, params, 800).allowed).toBe(false);
    const refunded = adjustGcraState(decision.state, -800, params);
    expect(checkGcra(refunded, 0, params, 800).allowed).toBe(true);
    expect(owedAt(adjustGcraState(decision.state, 100, params), 0)).toBeCloseTo(60_000, 6);
    expect(owedAt(adjustGcraState(decision.state, -5_000, params), 0)).toBe(0);
  });

  it('keeps full precision at real epoch times with intervals that are not whole milliseconds', () => {
    const params = createGcraParams(7);
    let state: GcraState | null = null;
    let now = 1_763_812_345_678.123;
    for (let round = 0; round < 1_000; round++) {
      for (let i = 0; i < 7; i++) {
        const decision = checkGcra(state, now, params, 1);
        expect(decision.allowed).toBe(true);
        state = decision.state;
      }
      expect(checkGcra(state, now, params, 1).allowed).toBe(false);
      now += 60_000;
    }
  });

  it('rejects bad parameters', () => {
    expect(() => createGcraParams(0)).toThrow(RangeError);
    expect(() => createGcraParams(-1)).toThrow(RangeError);
    expect(() => createGcraParams(Number.NaN)).toThrow(RangeError);
    expect(() => createGcraParams(10, 0.5)).toThrow(RangeError);
    expect(() => createGcraParams(10, 10, 0)).toThrow(RangeError);
    expect(() => createGcraParams(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  describe('property: no random schedule exceeds the envelope', () => {
    it('with burst 1, never more than `limit` requests in any period', () => {
      for (let seed = 1; seed <= 200; seed++) {
        const random = createRandom(seed);
        const limit = 1 + Math.floor(random() * 40);
        const params = createGcraParams(limit, 1);
        let at = Math.floor(random() * 1e12);
        const schedule = Array.from({ length: 300 }, () => {
          at += Math.floor(random() * random() * 5_000);
          return { at, cost: 1 };
        });
        const admitted = run(params, schedule);
        expect(busiestWindow(admitted, 60_000), `seed ${seed}, limit ${limit}`).toBeLessThanOrEqual(limit);
      }
    });

    it('with any burst and cost, never more than burst + W / interval units in any window W', () => {
      for (let seed = 1; seed <= 200; seed++) {
        const random = createRandom(seed * 7919);
        const limit = 1 + Math.floor(random() * 5_000);
        const burst = 1 + Math.floor(random() * limit);
        const params = createGcraParams(limit, burst);
        let at = 1_700_000_000_000 + Math.floor(random() * 1e11) + 0.125;
        const schedule = Array.from({ length: 250 }, () => {
          at += Math.floor(random() * random() * 8_000);
          return { at, cost: 1 + Math.floor(random() * Math.min(burst, 200)) };
        });
        const admitted = run(params, schedule);
        for (const width of [1, 1_000, 15_000, 60_000, 180_000]) {
          const bound = burst + width / params.emissionMs;
          expect(busiestWindow(admitted, width), `seed ${seed}, width ${width}`).toBeLessThanOrEqual(bound + 1e-6);
        }
      }
    });
  });
});
