/**
 * @module Whose prompt-log setting applies to a call, and for how long. A key's own `settings.prompt_log` decides
 * whenever the key has one, so `{"ttl_s": 0}` opts a key out even inside a team that opted in. A key without one
 * follows its team's `settings.prompt_log`. The operator's `telemetry.prompt_log.max_ttl_s` caps both, and 0 there
 * turns prompt logging off whatever keys and teams ask for. A setting that is present but malformed counts as off:
 * prompts are stored only on a clear yes (DESIGN §2 invariant 4).
 */

/** Which level's setting decided. */
export type PromptLogSource = 'key' | 'team';

/** A resolved opt-in: the caller's prompts are logged, each entry kept `ttlMs` (already capped). */
export interface PromptLogOptIn {
  source: PromptLogSource;
  ttlMs: number;
}

/** The seconds a `{ttl_s}` setting asks for; 0 for an explicit opt-out or anything malformed. */
export function promptLogTtlSeconds(setting: unknown): number {
  if (typeof setting !== 'object' || setting === null) return 0;
  const ttl = (setting as { ttl_s?: unknown }).ttl_s;
  return typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0 ? ttl : 0;
}

/**
 * The opt-in of a key whose own setting is `keySetting` and whose team's is `teamSetting` (each `undefined` when
 * that level has none), under the operator's cap; null when nothing may be logged.
 */
export function resolvePromptLogOptIn(
  keySetting: unknown,
  teamSetting: unknown,
  maxTtlS: number,
): PromptLogOptIn | null {
  if (maxTtlS <= 0) return null;
  const source: PromptLogSource = keySetting === undefined || keySetting === null ? 'team' : 'key';
  const ttl = promptLogTtlSeconds(source === 'key' ? keySetting : teamSetting);
  return ttl > 0 ? { source, ttlMs: Math.min(ttl, maxTtlS) * 1000 } : null;
}

/** Shorter than a minute is a typo for minutes or hours, not a retention anyone wants. */
export const MIN_PROMPT_LOG_TTL_S = 60;

/**
 * Why `ttlS` cannot be set as a key's or team's opt-in under the operator's cap, worded to follow the field's
 * name; null when it can. 0 (off) always can. Refusing above the cap, rather than shortening silently, keeps what
 * an admin reads back equal to what applies.
 */
export function promptLogTtlProblem(ttlS: number, maxTtlS: number): string | null {
  if (ttlS === 0) return null;
  if (!Number.isInteger(ttlS) || ttlS < MIN_PROMPT_LOG_TTL_S) {
    return `must be 0 (off) or a whole number of seconds of at least ${MIN_PROMPT_LOG_TTL_S}`;
  }
  if (maxTtlS <= 0) return 'cannot opt in: prompt logging is off in this gateway (telemetry.prompt_log.max_ttl_s is 0)';
  if (ttlS > maxTtlS) {
    return `${ttlS} is above the operator's cap of ${maxTtlS} seconds (telemetry.prompt_log.max_ttl_s)`;
  }
  return null;
}
