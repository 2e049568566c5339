/**
 * @module Cost of a request from a price table. Prices are USD per million tokens. A model missing
 * from the table costs 0 and is never blocked by a USD budget: a free or unpriced model must not be refused
 * because some cost budget is exhausted.
 */

export interface ModelPrice {
  /** USD per million uncached input tokens. */
  input: number;
  /** USD per million output tokens (reasoning tokens included, as providers bill them). */
  output: number;
  /** USD per million cached input tokens; the input price when absent. */
  cached_input?: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

export interface TokenUsage {
  /** All prompt tokens, cached ones included (OpenAI `prompt_tokens` semantics). */
  inputTokens: number;
  outputTokens: number;
  /** The part of inputTokens served from the provider's prompt cache. */
  cachedInputTokens?: number;
}

const PER_MILLION = 1_000_000;

function nonNegative(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;
}

/** The price row for `model`, or null when the table has none. */
export function findPrice(prices: PriceTable, model: string): ModelPrice | null {
  return Object.hasOwn(prices, model) ? (prices[model] ?? null) : null;
}

/** USD cost of `usage` on `model`; 0 when the model has no price. */
export function computeCost(prices: PriceTable, model: string, usage: TokenUsage): number {
  const price = findPrice(prices, model);
  if (price === null) return 0;
  const input = nonNegative(usage.inputTokens);
  const cached = Math.min(nonNegative(usage.cachedInputTokens), input);
  const output = nonNegative(usage.outputTokens);
  const cachedPrice = price.cached_input ?? price.input;
  return ((input - cached) * price.input + cached * cachedPrice + output * price.output) / PER_MILLION;
}

/** USD to reserve at admission: the prompt estimate at the input price plus the output ceiling. */
export function estimateCost(
  prices: PriceTable,
  model: string,
  reservation: { promptTokens: number; outputTokens: number },
): number {
  return computeCost(prices, model, { inputTokens: reservation.promptTokens, outputTokens: reservation.outputTokens });
}
