import type { ModelPrice, PriceTable } from './cost.ts';

/**
 * @module Built-in list prices (USD per million tokens) of well-known OpenAI and Anthropic models: indicative rates
 * as known to the project, not read from the providers' price pages, so they can be out of date. The config's
 * `prices` section and admin-set rows override them model by model, and `price_defaults: false` switches them off. OpenAI bills no cache writes (the input rate applies); Anthropic bills
 * 5-minute cache writes at 1.25× and cache reads at 0.1× the input rate.
 */

function openai(input: number, cacheRead: number, output: number): ModelPrice {
  return { input, output, cache_read: cacheRead, cache_write: input };
}

function anthropic(input: number, output: number): ModelPrice {
  return { input, output, cache_read: round(input * 0.1), cache_write: round(input * 1.25) };
}

// Multiplying list prices by 0.1 gives binary noise (0.30000000000000004); prices have at most 4 decimals.
function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

export const DEFAULT_PRICES: PriceTable = Object.freeze({
  'gpt-4o': openai(2.5, 1.25, 10),
  'gpt-4o-mini': openai(0.15, 0.075, 0.6),
  'gpt-4.1': openai(2, 0.5, 8),
  'gpt-4.1-mini': openai(0.4, 0.1, 1.6),
  'gpt-4.1-nano': openai(0.1, 0.025, 0.4),
  o1: openai(15, 7.5, 60),
  'o1-mini': openai(1.1, 0.55, 4.4),
  o3: openai(2, 0.5, 8),
  'o3-mini': openai(1.1, 0.55, 4.4),
  'o4-mini': openai(1.1, 0.275, 4.4),
  'gpt-5': openai(1.25, 0.125, 10),
  'gpt-5-mini': openai(0.25, 0.025, 2),
  'gpt-5-nano': openai(0.05, 0.005, 0.4),
  'gpt-5-codex': openai(1.25, 0.125, 10),
  'gpt-5.1': openai(1.25, 0.125, 10),
  'gpt-5.1-codex': openai(1.25, 0.125, 10),
  'claude-opus-4-5': anthropic(5, 25),
  'claude-opus-4-1': anthropic(15, 75),
  'claude-opus-4': anthropic(15, 75),
  'claude-opus-4-0': anthropic(15, 75),
  'claude-sonnet-4-5': anthropic(3, 15),
  'claude-sonnet-4': anthropic(3, 15),
  'claude-sonnet-4-0': anthropic(3, 15),
  'claude-3-7-sonnet': anthropic(3, 15),
  'claude-haiku-4-5': anthropic(1, 5),
  'claude-3-5-haiku': anthropic(0.8, 4),
  'claude-3-haiku': anthropic(0.25, 1.25),
});

/** The price table in force: the built-in defaults (unless switched off) under the configured rows. */
export function effectivePrices(configured: PriceTable, useDefaults: boolean): PriceTable {
  return useDefaults ? { ...DEFAULT_PRICES, ...configured } : { ...configured };
}
