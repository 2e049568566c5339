import { describe, expect, it } from 'vitest';
import { computeCost, estimateCost, findPrice, type PriceTable } from '../../../../src/domain/limits/index.ts';

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
    const usage = { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 400_000 };
    expect(computeCost(prices, 'gpt-4o', usage)).toBeCloseTo(0.6 * 2.5 + 0.4 * 1.25, 12);
    expect(computeCost(prices, 'text-embedding-3-small', usage)).toBeCloseTo(0.02, 12);
  });

  it('caps cached tokens at the input tokens', () => {
    expect(computeCost(prices, 'gpt-4o', { inputTokens: 100, outputTokens: 0, cachedInputTokens: 1_000 })).toBeCloseTo(
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
});
