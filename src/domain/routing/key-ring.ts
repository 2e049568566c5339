/**
 * Rotation over one upstream's API keys. Keys are handed out round-robin among those not cooling down, so load
 * and quota spread evenly; a key that got 401 or 429 sits out for its cooldown. Cooldowns are per process and
 * advisory: another instance may still try the key once and cool it down itself.
 */
export interface KeyChoice {
  /** -1 when the upstream has no keys (local servers). */
  index: number;
  key: string | null;
}

export interface KeyRing {
  readonly size: number;
  /** The next usable key, or null when every key is cooling down. */
  pick(now: number): KeyChoice | null;
  cooldown(index: number, until: number): void;
  hasAvailable(now: number): boolean;
}

const NO_KEY: KeyChoice = Object.freeze({ index: -1, key: null });

export function createKeyRing(keys: readonly string[]): KeyRing {
  const coolUntil = new Array<number>(keys.length).fill(0);
  let cursor = 0;

  return {
    size: keys.length,
    pick(now) {
      if (keys.length === 0) return NO_KEY;
      for (let step = 0; step < keys.length; step++) {
        const index = (cursor + step) % keys.length;
        if ((coolUntil[index] as number) <= now) {
          cursor = (index + 1) % keys.length;
          return { index, key: keys[index] as string };
        }
      }
      return null;
    },
    cooldown(index, until) {
      if (index >= 0 && index < keys.length) coolUntil[index] = Math.max(coolUntil[index] as number, until);
    },
    hasAvailable(now) {
      return keys.length === 0 || coolUntil.some((until) => until <= now);
    },
  };
}
