import { UnknownModelError, type UpstreamError } from '../../../providers/index.ts';
import { type ErrorCode, GatehouseError } from '../../errors.ts';

const CATALOG_CODE: Record<UpstreamError['code'], ErrorCode> = {
  upstream_unavailable: 'upstream_unavailable',
  upstream_timeout: 'upstream_timeout',
  upstream_bad_response: 'upstream_bad_response',
  upstream_rate_limited: 'upstream_rate_limited',
  upstream_auth_failed: 'upstream_auth_failed',
  upstream_rejected: 'upstream_rejected',
  upstream_stream_truncated: 'upstream_bad_response',
  upstream_saturated: 'upstream_saturated',
  client_aborted: 'client_aborted',
};

/** The upstream of the failed call's last attempt (the one whose error the client gets), or null when none ran. */
export function failedUpstream(error: UpstreamError): string | null {
  return error.audit?.attempts.at(-1)?.upstream ?? null;
}

/**
 * Maps the router's failures onto the catalog. The router's message is already written for clients (an upstream's
 * own text only for its 4xx, and redacted); the upstream's raw error, with its address, stays in `cause`, for the
 * logs. The upstream's configured id is no secret and tells the operator the client quotes where to look.
 */
export function toCatalogError(error: UpstreamError | UnknownModelError): GatehouseError {
  if (error instanceof UnknownModelError) {
    const model = /'(.*)'/.exec(error.message)?.[1] ?? '';
    return new GatehouseError('model_not_found', { values: { model }, param: 'model', cause: error });
  }
  const headers: Record<string, string> = {};
  if (error.retryAfterMs !== null) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  const detail = error.message.replace(/\.$/, '');
  const upstream = failedUpstream(error);
  return new GatehouseError(CATALOG_CODE[error.code], {
    values: { detail: upstream === null ? detail : `${detail} (upstream '${upstream}')` },
    headers,
    cause: error,
  });
}
