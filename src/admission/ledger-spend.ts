/**
 * @module Reading the durable spend ledger back as budget spend: what budget counters (a cache) are rebuilt from.
 * The ledger is written by the audit writer, in the same transaction as each request's audit event.
 */
import { BUDGET_WINDOWS, utcDay, windowKey } from '../domain/limits/index.ts';
import type { SpendEntry } from '../state/index.ts';
import { type Store, usageRepository } from '../store/index.ts';

/**
 * The ledger's spend in every live budget window (today, this month, all time) per tenant, team and key, for
 * `SharedState.hydrateSpend`. Reads the primary: a replica's lag would hand back spend it has not seen yet.
 */
export async function loadLiveSpend(store: Store, now = Date.now()): Promise<SpendEntry[]> {
  const today = utcDay(now);
  const ranges = { daily: today, monthly: `${today.slice(0, 7)}-01`, total: null } as const;
  const entries: SpendEntry[] = [];
  for (const window of BUDGET_WINDOWS) {
    const key = windowKey(window, now);
    for (const spend of await usageRepository.sumSpendByLevel(store.write, ranges[window], today)) {
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
