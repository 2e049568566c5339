import { describe, expect, it } from 'vitest';
import { RESTART_BACKOFF_MAX_MS, restartDelayMs } from '../../../../src/domain/mcp/index.ts';

describe('upstream restart backoff', () => {
  it('reconnects at once after a single failure', () => {
    expect(restartDelayMs(0)).toBe(0);
    expect(restartDelayMs(1)).toBe(0);
  });

  it('doubles from 250 ms for consecutive failures, capped at 30 s', () => {
    expect([2, 3, 4, 5, 6].map(restartDelayMs)).toEqual([250, 500, 1000, 2000, 4000]);
    expect(restartDelayMs(9)).toBe(RESTART_BACKOFF_MAX_MS);
    expect(restartDelayMs(1_000_000)).toBe(RESTART_BACKOFF_MAX_MS);
  });

  it('treats negative and NaN counts as no failure, and an endless run as the cap', () => {
    expect(restartDelayMs(-3)).toBe(0);
    expect(restartDelayMs(Number.NaN)).toBe(0);
    expect(restartDelayMs(Number.POSITIVE_INFINITY)).toBe(RESTART_BACKOFF_MAX_MS);
  });
});
