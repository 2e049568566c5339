/**
 * @module Budget windows. Calendar windows in UTC, never rolling: "daily" resets at 00:00 UTC and
 * "monthly" on the 1st at 00:00 UTC, so a budget error can name the exact reset instant. `total` never resets.
 *
 * The Redis admission script computes the same keys from Redis `TIME` (`LUA_WINDOW_KEY` in
 * `src/state/redis-scripts.ts`); a test compares the two over many instants.
 */

export type BudgetWindow = 'daily' | 'monthly' | 'total';

export const BUDGET_WINDOWS: readonly BudgetWindow[] = ['daily', 'monthly', 'total'];

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

function pad4(value: number): string {
  return String(value).padStart(4, '0');
}

/** Identifies the window containing `now` (epoch ms): `d:2026-11-22`, `m:2026-11` or `t`. */
export function windowKey(window: BudgetWindow, now: number): string {
  if (window === 'total') return 't';
  const date = new Date(now);
  const month = `${pad4(date.getUTCFullYear())}-${pad2(date.getUTCMonth() + 1)}`;
  if (window === 'monthly') return `m:${month}`;
  return `d:${month}-${pad2(date.getUTCDate())}`;
}

/** Epoch ms at which the window containing `now` ends; null for `total`. */
export function windowResetAt(window: BudgetWindow, now: number): number | null {
  if (window === 'total') return null;
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  if (window === 'monthly') return Date.UTC(year, month + 1, 1);
  return Date.UTC(year, month, date.getUTCDate() + 1);
}

export function isBudgetWindow(value: unknown): value is BudgetWindow {
  return value === 'daily' || value === 'monthly' || value === 'total';
}
