/**
 * @module How long an upstream MCP server waits before its next reconnect. The first reconnect after a failure is
 * immediate, so a one-off crash costs the next caller nothing; a server that keeps failing is retried after
 * 250 ms, 500 ms, 1 s … capped at 30 s, instead of being respawned in a tight loop (each stdio respawn is a
 * process start; one launched through `npx` costs seconds of CPU).
 */
export const RESTART_BACKOFF_BASE_MS = 250;
export const RESTART_BACKOFF_MAX_MS = 30_000;

/** The delay before reconnecting after `failures` consecutive failures (0 when there were none or one). */
export function restartDelayMs(failures: number): number {
  if (Number.isNaN(failures) || failures <= 1) return 0;
  // Past 2^17 the product exceeds the cap anyway; the bound keeps the exponent from overflowing to Infinity.
  const exponent = Math.min(failures - 2, 17);
  return Math.min(RESTART_BACKOFF_BASE_MS * 2 ** exponent, RESTART_BACKOFF_MAX_MS);
}
