/**
 * @module Reading the durable spend ledger back as budget spend: what budget counters (a cache) are rebuilt from.
 * The ledger is written by the audit writer, in the same transaction as each request's audit event.
 */
import { type BudgetWindow, type ScopeRef, utcDay } from '../domain/limits/index.ts';
import { type Store, usageRepository } from '../store/index.ts';

/** The first UTC day of `window` containing `today`, or null for `total` (all time). */
export function windowStartDay(window: BudgetWindow, today: string): string | null {
  if (window === 'daily') return today;
  if (window === 'monthly') return `${today.slice(0, 7)}-01`;
  return null;
}

/** One scope's spend in the current `window`, from the ledger (the primary: a replica may lag). */
export async function loadScopeSpend(
  store: Store,
  scope: ScopeRef,
  window: BudgetWindow,
  now = Date.now(),
): Promise<{ tokens: number; costUsd: number }> {
  const today = utcDay(now);
  const spend = await usageRepository.sumScopeSpend(store.write, scope, windowStartDay(window, today), today);
  return { tokens: spend.totalTokens, costUsd: spend.costUsd };
}
