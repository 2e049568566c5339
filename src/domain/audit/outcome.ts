/**
 * @module
 * Maps a finished request to the coarse `outcome` of its audit event, the label dashboards and alerts group by.
 */
import type { AuditOutcome } from './event.ts';

/** What the status code alone cannot tell. */
export interface OutcomeHints {
  /** The client went away before the response finished; wins over everything else. */
  aborted?: boolean;
  /**
   * Policy refused the call whatever status was sent: a guarded MCP tool denied inside a JSON-RPC 200, or a
   * resource hidden behind a 404 so its existence does not leak.
   */
  denied?: boolean;
  /** The upstream failed or timed out, as opposed to the gateway itself; only refines 502 and 504. */
  upstreamFailed?: boolean;
  /** A 429 that a token or USD budget refused, not a rate or concurrency limit (issue 14, finding 4). */
  budgetExceeded?: boolean;
}

/**
 * The outcome for a response status: 1xx-3xx `success`, 401 `unauthenticated`, 403 `denied`, 429 `rate_limited`
 * (`budget_exceeded` when a budget refused it: spend exhausted is not a burst to retry), other 4xx `client_error`, 502/504 with `upstreamFailed` `upstream_error`, other 5xx `error`. A status outside
 * 100-599 (a bug upstream of the audit hook) is `error` rather than a throw: the audit path must always write.
 */
export function outcomeForStatus(status: number, hints?: OutcomeHints): AuditOutcome {
  if (hints?.aborted === true) return 'aborted';
  if (hints?.denied === true) return 'denied';
  if (!Number.isInteger(status) || status < 100 || status > 599) return 'error';
  if (status < 400) return 'success';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'denied';
  if (status === 429) return hints?.budgetExceeded === true ? 'budget_exceeded' : 'rate_limited';
  if (status < 500) return 'client_error';
  if ((status === 502 || status === 504) && hints?.upstreamFailed === true) return 'upstream_error';
  return 'error';
}
