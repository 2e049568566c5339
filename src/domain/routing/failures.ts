/**
 * What an upstream failure means for the client, for retrying, for the target's circuit and for the key that
 * was used. The HTTP layer maps `code` into its error catalog; the statuses here are its defaults.
 */
export type UpstreamErrorCode =
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'upstream_bad_response'
  | 'upstream_rate_limited'
  | 'upstream_auth_failed'
  | 'upstream_rejected'
  | 'upstream_stream_truncated'
  | 'upstream_saturated'
  | 'client_aborted';

export interface UpstreamErrorInfo {
  status: number;
  type: string;
  message: string;
}

export const UPSTREAM_ERRORS: Readonly<Record<UpstreamErrorCode, UpstreamErrorInfo>> = Object.freeze({
  upstream_unavailable: { status: 502, type: 'upstream_error', message: 'The model upstream is unavailable.' },
  upstream_timeout: { status: 504, type: 'upstream_error', message: 'The model upstream did not respond in time.' },
  upstream_bad_response: {
    status: 502,
    type: 'upstream_error',
    message: 'The model upstream returned a response that is not valid for this API.',
  },
  upstream_rate_limited: { status: 429, type: 'rate_limit_error', message: 'The model upstream is rate limited.' },
  // 502, not 401: the client's own credentials were fine; the gateway's upstream credentials were refused.
  upstream_auth_failed: { status: 502, type: 'upstream_error', message: 'The model upstream refused the credentials.' },
  upstream_rejected: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The model upstream rejected the request.',
  },
  upstream_stream_truncated: {
    status: 502,
    type: 'upstream_error',
    message: 'The model upstream stream ended before completion.',
  },
  // 503, not 429: the caller did nothing wrong; the gateway's own connections to the upstream are all busy.
  upstream_saturated: {
    status: 503,
    type: 'upstream_error',
    message: 'Every connection to the model upstream is busy; retry after the time in Retry-After.',
  },
  client_aborted: { status: 499, type: 'invalid_request_error', message: 'The client closed the request.' },
});

export type KeyPenalty = 'unauthorized' | 'rate_limited' | null;

export interface FailureVerdict {
  code: UpstreamErrorCode;
  /** Another attempt (same group or fallback) may succeed. */
  retryable: boolean;
  /** Counts against the target's circuit breaker. */
  penalizeTarget: boolean;
  /** Cools down the API key that was used. */
  penalizeKey: KeyPenalty;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/** Maps a transport failure by its `err.code` (undici's `UND_ERR_*`, a libuv errno name, or our own timers'). */
export function classifyTransportError(code: string | undefined): FailureVerdict {
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return { code: 'upstream_timeout', retryable: true, penalizeTarget: true, penalizeKey: null };
  }
  // ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET, UND_ERR_CLOSED, DNS failures and anything unforeseen: the request
  // never produced a usable response, so another target may still serve it.
  return { code: 'upstream_unavailable', retryable: true, penalizeTarget: true, penalizeKey: null };
}

export function classifyStatus(status: number, keyCount: number): FailureVerdict {
  if (status === 429) {
    // With keys to rotate, the key is the limited resource; without, the whole target is.
    const byKey = keyCount > 0;
    return {
      code: 'upstream_rate_limited',
      retryable: true,
      penalizeTarget: !byKey,
      penalizeKey: byKey ? 'rate_limited' : null,
    };
  }
  if (status === 401 || status === 403) {
    const byKey = keyCount > 0;
    return {
      code: 'upstream_auth_failed',
      retryable: true,
      penalizeTarget: !byKey,
      penalizeKey: byKey ? 'unauthorized' : null,
    };
  }
  if (status === 408) return { code: 'upstream_timeout', retryable: true, penalizeTarget: true, penalizeKey: null };
  if (status >= 500 && status !== 501) {
    return { code: 'upstream_unavailable', retryable: true, penalizeTarget: true, penalizeKey: null };
  }
  return { code: 'upstream_rejected', retryable: false, penalizeTarget: false, penalizeKey: null };
}

export const BAD_RESPONSE: Readonly<FailureVerdict> = Object.freeze({
  code: 'upstream_bad_response',
  retryable: true,
  penalizeTarget: true,
  penalizeKey: null,
});

/** Exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015). */
export function computeBackoffMs(retryIndex: number, baseMs: number, maxMs: number, random01: number): number {
  if (baseMs <= 0) return 0;
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, retryIndex));
  return Math.round(ceiling / 2 + (ceiling / 2) * random01);
}

/** RFC 9110 §10.2.3 Retry-After (delay-seconds or HTTP-date), plus the common `retry-after-ms` extension. */
export function parseRetryAfterMs(
  retryAfter: string | undefined,
  retryAfterMs: string | undefined,
  now: number,
): number | null {
  if (retryAfterMs !== undefined && /^\d+(\.\d+)?$/.test(retryAfterMs.trim())) return Math.ceil(Number(retryAfterMs));
  if (retryAfter === undefined) return null;
  const trimmed = retryAfter.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
