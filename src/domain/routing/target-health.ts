/**
 * Per-target circuit breaker. A target whose last `failureThreshold` attempts all failed is skipped for
 * `cooldownMs`; afterwards one request may probe it (half-open), and a single success closes it again.
 * Time is passed in, so the logic stays pure and testable without timers.
 */
export interface TargetHealth {
  isAvailable(key: string, now: number): boolean;
  /** Counts a failure; `cooldownMs` forces the circuit open at once (e.g. a 429 with Retry-After). */
  recordFailure(key: string, now: number, cooldownMs?: number): void;
  recordSuccess(key: string): void;
  /** Milliseconds until the target may be tried again, 0 when available. */
  cooldownRemaining(key: string, now: number): number;
}

interface HealthEntry {
  failures: number;
  openUntil: number;
}

export interface TargetHealthOptions {
  failureThreshold: number;
  cooldownMs: number;
}

export function createTargetHealth(options: TargetHealthOptions): TargetHealth {
  const entries = new Map<string, HealthEntry>();
  const threshold = Math.max(1, options.failureThreshold);

  function entryFor(key: string): HealthEntry {
    let entry = entries.get(key);
    if (entry === undefined) {
      entry = { failures: 0, openUntil: 0 };
      entries.set(key, entry);
    }
    return entry;
  }

  return {
    isAvailable(key, now) {
      const entry = entries.get(key);
      return entry === undefined || entry.openUntil <= now;
    },
    recordFailure(key, now, cooldownMs) {
      const entry = entryFor(key);
      entry.failures += 1;
      if (cooldownMs !== undefined && cooldownMs > 0) {
        entry.openUntil = Math.max(entry.openUntil, now + cooldownMs);
      } else if (entry.failures >= threshold) {
        // Half-open after the cooldown: the counter stays at the threshold, so one more failure re-opens it.
        entry.failures = threshold - 1;
        entry.openUntil = now + options.cooldownMs;
      }
    },
    recordSuccess(key) {
      entries.delete(key);
    },
    cooldownRemaining(key, now) {
      const entry = entries.get(key);
      return entry === undefined ? 0 : Math.max(0, entry.openUntil - now);
    },
  };
}
