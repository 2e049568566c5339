/**
 * @module The spend ledger's unit: one request's usage (its "ledger delta"), committed in the same transaction as
 * the request's audit event, and the aggregation that folds a batch of deltas into one upsert row per
 * (UTC day, tenant, team, key, model, agent session).
 */

export interface LedgerDelta {
  /** UTC day `YYYY-MM-DD` the spend belongs to. */
  day: string;
  tenantId: string;
  teamId: string;
  keyId: string;
  model: string;
  /** The agent session the request named (validated header), `''` when none. */
  session: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** 1 (and its tokens) when the model had no price: the report shows these rather than a silent 0. */
  unpricedRequests: number;
  unpricedTokens: number;
  costUsd: number;
}

/** ECMAScript time has no leap seconds (ECMA-262 §21.4.1.1): every UTC day is exactly this long. */
const DAY_MS = 86_400_000;
let cachedDayStart = Number.NaN;
let cachedDay = '';

/**
 * `YYYY-MM-DD` of `now` in UTC. Every settled request asks, so the last day's string is kept: formatting a Date per
 * request showed in the bench's CPU profile.
 */
export function utcDay(now: number): string {
  if (now >= cachedDayStart && now < cachedDayStart + DAY_MS) return cachedDay;
  const start = Math.floor(now / DAY_MS) * DAY_MS;
  const day = new Date(start).toISOString().slice(0, 10);
  cachedDayStart = start;
  cachedDay = day;
  return day;
}

function combinationKey(d: LedgerDelta): string {
  return `${d.day}\u0000${d.tenantId}\u0000${d.teamId}\u0000${d.keyId}\u0000${d.model}\u0000${d.session}`;
}

/** Sums deltas per combination, so each appears once in the batch's upsert. Inputs are not modified. */
export function aggregateLedgerDeltas(deltas: Iterable<LedgerDelta | null>): LedgerDelta[] {
  const rows = new Map<string, LedgerDelta>();
  for (const delta of deltas) {
    if (delta === null) continue;
    const key = combinationKey(delta);
    const row = rows.get(key);
    if (row === undefined) {
      rows.set(key, { ...delta });
      continue;
    }
    row.requests += delta.requests;
    row.promptTokens += delta.promptTokens;
    row.completionTokens += delta.completionTokens;
    row.totalTokens += delta.totalTokens;
    row.cacheReadTokens += delta.cacheReadTokens;
    row.cacheWriteTokens += delta.cacheWriteTokens;
    row.reasoningTokens += delta.reasoningTokens;
    row.unpricedRequests += delta.unpricedRequests;
    row.unpricedTokens += delta.unpricedTokens;
    row.costUsd += delta.costUsd;
  }
  return [...rows.values()];
}
