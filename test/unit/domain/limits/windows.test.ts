import { describe, expect, it } from 'vitest';
import { BUDGET_WINDOWS, isBudgetWindow, windowKey, windowResetAt } from '../../../../src/domain/limits/index.ts';

describe('budget windows (calendar, UTC)', () => {
  it('names the day, the month and the total', () => {
    const now = Date.UTC(2026, 10, 22, 15, 30);
    expect(windowKey('daily', now)).toBe('d:2026-11-22');
    expect(windowKey('monthly', now)).toBe('m:2026-11');
    expect(windowKey('total', now)).toBe('t');
  });

  it('switches at midnight UTC, not a millisecond early', () => {
    const midnight = Date.UTC(2026, 10, 23);
    expect(windowKey('daily', midnight - 1)).toBe('d:2026-11-22');
    expect(windowKey('daily', midnight)).toBe('d:2026-11-23');
    expect(windowResetAt('daily', midnight - 1)).toBe(midnight);
    expect(windowResetAt('daily', midnight)).toBe(Date.UTC(2026, 10, 24));
  });

  it('rolls months and years at their first instant', () => {
    const newYear = Date.UTC(2027, 0, 1);
    expect(windowKey('monthly', newYear - 1)).toBe('m:2026-12');
    expect(windowKey('daily', newYear - 1)).toBe('d:2026-12-31');
    expect(windowKey('monthly', newYear)).toBe('m:2027-01');
    expect(windowKey('daily', newYear)).toBe('d:2027-01-01');
    expect(windowResetAt('monthly', newYear - 1)).toBe(newYear);
    expect(windowResetAt('monthly', Date.UTC(2027, 0, 31, 23))).toBe(Date.UTC(2027, 1, 1));
  });

  it('handles leap days and short months', () => {
    expect(windowKey('daily', Date.UTC(2028, 1, 29, 12))).toBe('d:2028-02-29');
    expect(windowResetAt('daily', Date.UTC(2028, 1, 29, 12))).toBe(Date.UTC(2028, 2, 1));
    expect(windowResetAt('monthly', Date.UTC(2027, 1, 10))).toBe(Date.UTC(2027, 2, 1));
    expect(windowKey('daily', Date.UTC(2027, 2, 1) - 1)).toBe('d:2027-02-28');
  });

  it('is not a local-time window (an instant late on the 22nd in UTC-8 is already the 23rd)', () => {
    expect(windowKey('daily', Date.parse('2026-11-22T20:00:00-08:00'))).toBe('d:2026-11-23');
  });

  it('never resets the total window', () => {
    expect(windowResetAt('total', Date.now())).toBeNull();
  });

  it('recognises exactly the three windows', () => {
    expect(BUDGET_WINDOWS.every(isBudgetWindow)).toBe(true);
    for (const bad of ['weekly', 'Daily', '', null, undefined, 1]) expect(isBudgetWindow(bad)).toBe(false);
  });
});
