import type { ErrorFields } from '../types.ts';

/**
 * The catalog's error types as Anthropic names them (Messages API, "Errors"): its SDKs pick the exception class
 * from the HTTP status and show `error.type`. Every catalog type has an entry (a unit test walks the catalog);
 * the Gatehouse code and param ride beside them, so the stable codes reach these clients too.
 */
export const ANTHROPIC_ERROR_TYPES: Readonly<Record<string, string>> = Object.freeze({
  invalid_request_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'not_found_error',
  conflict_error: 'invalid_request_error',
  rate_limit_error: 'rate_limit_error',
  insufficient_quota: 'billing_error',
  service_unavailable: 'overloaded_error',
  upstream_error: 'api_error',
  api_error: 'api_error',
});

const TOO_LARGE = 'request_too_large';

/** Every `error.type` the envelope can carry: the closed set `contracts/schemas/anthropic-error.schema.json` lists. */
export const ANTHROPIC_ENVELOPE_TYPES: readonly string[] = Object.freeze([
  ...new Set([...Object.values(ANTHROPIC_ERROR_TYPES), TOO_LARGE, 'api_error']),
]);

/** `{"type":"error","error":{"type","message"}}`; a 413 is Anthropic's `request_too_large` whatever its type. */
export function anthropicErrorBody(error: ErrorFields): unknown {
  const type = error.status === 413 ? TOO_LARGE : (ANTHROPIC_ERROR_TYPES[error.type] ?? 'api_error');
  return { type: 'error', error: { type, message: error.message, code: error.code, param: error.param } };
}
