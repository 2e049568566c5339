/**
 * @module Cost of a request from a price table. Prices are USD per million tokens (the currency USD budgets use).
 * A model missing from the table costs 0 and is never blocked by a USD budget: a free or unpriced model must not be
 * refused because some cost budget is exhausted. Such requests are counted as unpriced instead, so the usage report
 * shows what was not costed rather than a silent 0.
 */

export interface ModelPrice {
  /** USD per million uncached input tokens. */
  input: number;
  /** USD per million output tokens (reasoning tokens too, unless `reasoning` is set). */
  output: number;
  /** USD per million input tokens read from the provider's prompt cache; the input price when absent. */
  cache_read?: number;
  /** USD per million input tokens written to the provider's prompt cache; the input price when absent. */
  cache_write?: number;
  /** USD per million reasoning tokens; the output price when absent (providers bill reasoning as output). */
  reasoning?: number;
  /** Older name of `cache_read`, still accepted; `cache_read` wins when both are set. */
  cached_input?: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

export interface TokenUsage {
  /** All prompt tokens, cached ones included (OpenAI `prompt_tokens` semantics). */
  inputTokens: number;
  /** All output tokens, reasoning included. */
  outputTokens: number;
  /** The part of inputTokens served from the provider's prompt cache. */
  cacheReadTokens?: number;
  /** The part of inputTokens written to the provider's prompt cache. */
  cacheWriteTokens?: number;
  /** The part of outputTokens spent on reasoning. */
  reasoningTokens?: number;
}

const PER_MILLION = 1_000_000;

/** Dated snapshot names (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`) are priced as their undated family. */
const DATE_SUFFIX = /-(?:\d{8}|\d{4}-\d{2}-\d{2})$/;

function nonNegative(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;
}

function own(prices: PriceTable, model: string): ModelPrice | null {
  return Object.hasOwn(prices, model) ? (prices[model] ?? null) : null;
}

/**
 * The price row for `model`, or null when the table has none: the exact name first, then the name without a
 * trailing date, so a configured or built-in family price covers the provider's dated snapshots.
 */
export function findPrice(prices: PriceTable, model: string): ModelPrice | null {
  const exact = own(prices, model);
  if (exact !== null) return exact;
  const undated = model.replace(DATE_SUFFIX, '');
  return undated === model || undated === '' ? null : own(prices, undated);
}

/**
 * USD cost of `usage` at `price`: uncached input at the input rate, cache reads and writes at theirs, visible output
 * at the output rate and reasoning at the reasoning rate (the output rate when unset). Subsets are capped by their
 * totals, so a reader's inconsistent counts can never price more tokens than were reported.
 */
export function costAt(price: ModelPrice, usage: TokenUsage): number {
  const input = nonNegative(usage.inputTokens);
  const cacheRead = Math.min(nonNegative(usage.cacheReadTokens), input);
  const cacheWrite = Math.min(nonNegative(usage.cacheWriteTokens), input - cacheRead);
  const output = nonNegative(usage.outputTokens);
  const reasoning = Math.min(nonNegative(usage.reasoningTokens), output);
  const cacheReadRate = price.cache_read ?? price.cached_input ?? price.input;
  const cacheWriteRate = price.cache_write ?? price.input;
  const reasoningRate = price.reasoning ?? price.output;
  return (
    ((input - cacheRead - cacheWrite) * price.input +
      cacheRead * cacheReadRate +
      cacheWrite * cacheWriteRate +
      (output - reasoning) * price.output +
      reasoning * reasoningRate) /
    PER_MILLION
  );
}

/** USD cost of `usage` on `model`; 0 when the model has no price. */
export function computeCost(prices: PriceTable, model: string, usage: TokenUsage): number {
  const price = findPrice(prices, model);
  return price === null ? 0 : costAt(price, usage);
}

/** USD to reserve at admission: the prompt estimate at the input price plus the output ceiling. */
export function estimateCost(
  prices: PriceTable,
  model: string,
  reservation: { promptTokens: number; outputTokens: number },
): number {
  return computeCost(prices, model, { inputTokens: reservation.promptTokens, outputTokens: reservation.outputTokens });
}
