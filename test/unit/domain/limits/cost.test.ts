import { describe, expect, it } from 'vitest';
import {
  computeCost,
  DEFAULT_PRICES,
  effectivePrices,
  estimateCost,
  findPrice,
  type PriceTable,
} from '../../../../src/domain/limits/index.ts';

const prices: PriceTable = {
  'gpt-4o': { input: 2.5, output: 10, cached_input: 1.25 },
  'text-embedding-3-small': { input: 0.02, output: 0 },
};

describe('cost', () => {
  it('prices input and output per million tokens', () => {
    expect(computeCost(prices, 'gpt-4o', { inputTokens: 1_000_000, outputTokens: 0 })).toBe(2.5);
    expect(computeCost(prices, 'gpt-4o', { inputTokens: 1_000, outputTokens: 500 })).toBeCloseTo(0.0075, 12);
  });

  it('prices cached input at the cached rate, and at the input rate when none is listed', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 0, cacheReadTokens: 400_000 };
    expect(computeCost(prices, 'gpt-4o', usage)).toBeCloseTo(0.6 * 2.5 + 0.4 * 1.25, 12);
    expect(computeCost(prices, 'text-embedding-3-small', usage)).toBeCloseTo(0.02, 12);
  });

  it('caps cached tokens at the input tokens', () => {
    expect(computeCost(prices, 'gpt-4o', { inputTokens: 100, outputTokens: 0, cacheReadTokens: 1_000 })).toBeCloseTo(
      (100 * 1.25) / 1e6,
      15,
    );
  });

  it('costs 0 for a model with no price, including prototype names', () => {
    expect(computeCost(prices, 'llama3:8b', { inputTokens: 1e6, outputTokens: 1e6 })).toBe(0);
    expect(findPrice(prices, 'constructor')).toBeNull();
    expect(findPrice(prices, '__proto__')).toBeNull();
  });

  it('treats negative and non-finite counts as zero', () => {
    expect(computeCost(prices, 'gpt-4o', { inputTokens: -5, outputTokens: Number.NaN })).toBe(0);
    expect(computeCost(prices, 'gpt-4o', { inputTokens: Number.POSITIVE_INFINITY, outputTokens: 0 })).toBe(0);
  });

  it('estimates a reservation from prompt and output ceiling', () => {
    expect(estimateCost(prices, 'gpt-4o', { promptTokens: 2_000, outputTokens: 1_000 })).toBeCloseTo(0.015, 12);
    expect(estimateCost(prices, 'unknown', { promptTokens: 2_000, outputTokens: 1_000 })).toBe(0);
  });

  it('prices cache reads, cache writes, visible output and reasoning each at their rate', () => {
    const table: PriceTable = { m: { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75, reasoning: 20 } };
    const usage = {
      inputTokens: 1_000_000,
      cacheReadTokens: 500_000,
      cacheWriteTokens: 200_000,
      outputTokens: 100_000,
      reasoningTokens: 40_000,
    };
    const expected = (300_000 * 3 + 500_000 * 0.3 + 200_000 * 3.75 + 60_000 * 15 + 40_000 * 20) / 1e6;
    expect(computeCost(table, 'm', usage)).toBeCloseTo(expected, 12);
  });

  it('prices reasoning at the output rate and cache writes at the input rate when those are unset', () => {
    const table: PriceTable = { m: { input: 2, output: 8 } };
    const usage = { inputTokens: 1_000, cacheWriteTokens: 400, outputTokens: 500, reasoningTokens: 300 };
    expect(computeCost(table, 'm', usage)).toBeCloseTo((1_000 * 2 + 500 * 8) / 1e6, 15);
  });

  it('caps subsets by their totals: cache reads then writes within input, reasoning within output', () => {
    const table: PriceTable = { m: { input: 10, output: 10, cache_read: 1, cache_write: 100, reasoning: 1000 } };
    const usage = {
      inputTokens: 100,
      cacheReadTokens: 80,
      cacheWriteTokens: 80,
      outputTokens: 10,
      reasoningTokens: 99,
    };
    expect(computeCost(table, 'm', usage)).toBeCloseTo((80 * 1 + 20 * 100 + 10 * 1000) / 1e6, 15);
  });

  it('prefers cache_read over the older cached_input name', () => {
    const table: PriceTable = { m: { input: 1, output: 1, cached_input: 0.5, cache_read: 0.1 } };
    expect(computeCost(table, 'm', { inputTokens: 1e6, outputTokens: 0, cacheReadTokens: 1e6 })).toBeCloseTo(0.1, 12);
  });

  it('prices a dated snapshot as its undated family, an exact row winning', () => {
    const table: PriceTable = { 'gpt-4o': { input: 1, output: 1 }, 'gpt-4o-2024-05-13': { input: 5, output: 15 } };
    expect(findPrice(table, 'gpt-4o-2024-08-06')).toEqual({ input: 1, output: 1 });
    expect(findPrice(table, 'gpt-4o-2024-05-13')).toEqual({ input: 5, output: 15 });
    expect(findPrice(DEFAULT_PRICES, 'claude-sonnet-4-5-20250929')?.input).toBe(3);
    expect(findPrice(table, 'gpt-4o-mini')).toBeNull();
  });

  it('has built-in prices that config rows override and that can be switched off', () => {
    expect(DEFAULT_PRICES['claude-sonnet-4-5']).toEqual({ input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 });
    expect(DEFAULT_PRICES['gpt-4o']).toEqual({ input: 2.5, output: 10, cache_read: 1.25, cache_write: 2.5 });
    const merged = effectivePrices({ 'gpt-4o': { input: 1, output: 2 } }, true);
    expect(merged['gpt-4o']).toEqual({ input: 1, output: 2 });
    expect(merged['gpt-5']?.output).toBe(10);
    expect(findPrice(effectivePrices({}, false), 'gpt-5')).toBeNull();
  });
});
