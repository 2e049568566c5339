/**
 * @module The durable spend ledger's writer. Settled requests are summed in memory per (UTC day, tenant, team, key,
 * model) and committed in one upsert per flush: the audit writer's group commit, with aggregation on top, so the
 * hot path never waits on the store and the table grows by combinations, not by requests. A failed commit keeps
 * its sums and retries them (merged with newer ones); `close()` drains.
 */
import { BUDGET_WINDOWS, windowKey } from '../domain/limits/index.ts';
import type { SpendEntry } from '../state/index.ts';
import { type Store, type UsageIncrement, usageRepository } from '../store/index.ts';
import type { AdmissionLogger } from './types.ts';

export interface SpendRecord {
  tenantId: string;
  teamId: string;
  keyId: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
}

export interface SpendLedgerOptions {
  store: Store;
  /** Longest a settled request waits before its spend is committed (default 1000 ms). */
  flushIntervalMs?: number;
  logger: Pick<AdmissionLogger, 'error'>;
  now?: () => number;
}

const MAX_RETRY_DELAY_MS = 5_000;

/** ECMAScript time has no leap seconds (ECMA-262 §21.4.1.1): every UTC day is exactly this long. */
const DAY_MS = 86_400_000;
let cachedDayStart = Number.NaN;
let cachedDay = '';

/**
 * `YYYY-MM-DD` of `now` in UTC. Every settled request asks, so the last day's string is kept: formatting a
 * Date per request showed in the bench's CPU profile.
 */
export function utcDay(now: number): string {
  if (now >= cachedDayStart && now < cachedDayStart + DAY_MS) return cachedDay;
  const start = Math.floor(now / DAY_MS) * DAY_MS;
  const day = new Date(start).toISOString().slice(0, 10);
  cachedDayStart = start;
  cachedDay = day;
  return day;
}

function combinationKey(day: string, r: SpendRecord): string {
  return `${day}\u0000${r.tenantId}\u0000${r.teamId}\u0000${r.keyId}\u0000${r.model}`;
}

export class SpendLedger {
  readonly #options: SpendLedgerOptions;
  readonly #now: () => number;
  #pending = new Map<string, UsageIncrement>();
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #retryDelayMs = 0;
  #lastError: Error | null = null;
  #closed = false;

  constructor(options: SpendLedgerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Combinations waiting to be committed. */
  get pending(): number {
    return this.#pending.size;
  }

  get lastError(): Error | null {
    return this.#lastError;
  }

  /** Adds one settled request. Synchronous and allocation-light: a map lookup and five additions. */
  record(spend: SpendRecord): void {
    const day = utcDay(this.#now());
    const key = combinationKey(day, spend);
    const row = this.#pending.get(key);
    if (row === undefined) {
      this.#pending.set(key, {
        day,
        tenantId: spend.tenantId,
        teamId: spend.teamId,
        keyId: spend.keyId,
        model: spend.model,
        requests: 1,
        promptTokens: spend.promptTokens,
        completionTokens: spend.completionTokens,
        totalTokens: spend.totalTokens,
        costUsd: spend.costUsd,
      });
    } else {
      row.requests += 1;
      row.promptTokens += spend.promptTokens;
      row.completionTokens += spend.completionTokens;
      row.totalTokens += spend.totalTokens;
      row.costUsd += spend.costUsd;
    }
    this.#schedule(this.#options.flushIntervalMs ?? 1_000);
  }

  #schedule(delayMs: number): void {
    if (this.#timer !== null || this.#flushing !== null || this.#closed) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        this.flush().catch(() => {});
      },
      Math.max(delayMs, this.#retryDelayMs),
    );
    this.#timer.unref();
  }

  /** Commits everything recorded so far. Concurrent callers share one commit. */
  flush(): Promise<void> {
    this.#flushing ??= this.#commit().finally(() => {
      this.#flushing = null;
      if (this.#pending.size > 0) this.#schedule(this.#options.flushIntervalMs ?? 1_000);
    });
    return this.#flushing;
  }

  async #commit(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    try {
      await usageRepository.addUsage(this.#options.store.write, [...batch.values()], this.#now());
      this.#retryDelayMs = 0;
      this.#lastError = null;
    } catch (error) {
      for (const [key, row] of batch) this.#merge(key, row);
      this.#lastError = error as Error;
      this.#retryDelayMs = Math.min(MAX_RETRY_DELAY_MS, Math.max(100, this.#retryDelayMs * 2));
      this.#options.logger.error({ err: error, pending: this.#pending.size }, 'spend ledger commit failed; will retry');
      throw error;
    }
  }

  #merge(key: string, row: UsageIncrement): void {
    const newer = this.#pending.get(key);
    if (newer === undefined) {
      this.#pending.set(key, row);
      return;
    }
    newer.requests += row.requests;
    newer.promptTokens += row.promptTokens;
    newer.completionTokens += row.completionTokens;
    newer.totalTokens += row.totalTokens;
    newer.costUsd += row.costUsd;
  }

  /** Drains, retrying failed commits until `timeoutMs` passes. Called on graceful shutdown. */
  async close(timeoutMs = 10_000): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const deadline = this.#now() + timeoutMs;
    while (this.#pending.size > 0 || this.#flushing !== null) {
      try {
        if (this.#flushing !== null) await this.#flushing.catch(() => {});
        await this.flush();
      } catch {
        if (this.#now() > deadline) {
          this.#options.logger.error({ pending: this.#pending.size }, 'spend ledger drain timed out');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, this.#retryDelayMs));
      }
    }
  }

  /**
   * The ledger's spend in every live budget window (today, this month, all time) per tenant, team and key, for
   * `SharedState.hydrateSpend` at startup.
   */
  async loadLiveSpend(now = this.#now()): Promise<SpendEntry[]> {
    const today = utcDay(now);
    const ranges = { daily: today, monthly: `${today.slice(0, 7)}-01`, total: null } as const;
    const entries: SpendEntry[] = [];
    for (const window of BUDGET_WINDOWS) {
      const key = windowKey(window, now);
      for (const spend of await usageRepository.sumSpendByLevel(this.#options.store.read, ranges[window], today)) {
        if (spend.totalTokens <= 0 && spend.costUsd <= 0) continue;
        entries.push({
          scope: { level: spend.level, id: spend.id },
          window,
          windowKey: key,
          tokens: spend.totalTokens,
          costUsd: spend.costUsd,
        });
      }
    }
    return entries;
  }
}
