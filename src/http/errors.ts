/**
 * The one error catalog (DESIGN §2 invariant 5). Every error body Gatehouse writes is
 * `{"error":{"message","type","code","param"}}` with a code from this table; the root error handler is the only
 * writer. Codes are stable snake_case strings: clients and dashboards match on them.
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'service_unavailable'
  | 'upstream_error'
  | 'api_error';

interface CatalogEntry {
  status: number;
  type: ErrorType;
  message: string;
}

export const ERROR_CATALOG = {
  invalid_json: { status: 400, type: 'invalid_request_error', message: 'The request body is not valid JSON.' },
  invalid_request: { status: 400, type: 'invalid_request_error', message: 'The request is invalid: {detail}.' },
  body_too_large: {
    status: 413,
    type: 'invalid_request_error',
    message: 'The request body exceeds the limit of {limit} bytes.',
  },
  unsupported_media_type: {
    status: 415,
    type: 'invalid_request_error',
    message: 'Unsupported content type {contentType}; send application/json.',
  },
  missing_api_key: {
    status: 401,
    type: 'authentication_error',
    message: 'No credentials: send "Authorization: Bearer <key>".',
  },
  invalid_authorization_header: {
    status: 401,
    type: 'authentication_error',
    message: 'The Authorization header must be "Bearer <key>".',
  },
  invalid_api_key: { status: 401, type: 'authentication_error', message: 'The API key is not valid.' },
  key_revoked: { status: 401, type: 'authentication_error', message: 'The API key has been revoked.' },
  key_expired: { status: 401, type: 'authentication_error', message: 'The API key has expired.' },
  credential_not_accepted: {
    status: 401,
    type: 'authentication_error',
    message: 'This endpoint does not accept this kind of credential.',
  },
  permission_denied: {
    status: 403,
    type: 'permission_error',
    message: 'This credential may not {permission} here.',
  },
  not_found: { status: 404, type: 'not_found_error', message: 'No route for {method} {path}.' },
  resource_not_found: { status: 404, type: 'not_found_error', message: '{detail}.' },
  conflict: { status: 409, type: 'conflict_error', message: '{detail}.' },
  identity_unavailable: {
    status: 503,
    type: 'service_unavailable',
    message: 'Credentials cannot be checked right now; retry shortly.',
  },
  store_unavailable: { status: 503, type: 'service_unavailable', message: 'The store is unavailable; retry shortly.' },
  audit_backpressure: {
    status: 503,
    type: 'service_unavailable',
    message: 'The gateway is saturated (audit queue full); retry shortly.',
  },
  shutting_down: { status: 503, type: 'service_unavailable', message: 'The gateway is shutting down.' },
  vault_service_not_found: { status: 404, type: 'not_found_error', message: 'No vault service named {service}.' },
  vault_service_not_granted: {
    status: 403,
    type: 'permission_error',
    message: 'This key is not granted the vault service {service}.',
  },
  vault_method_not_allowed: {
    status: 403,
    type: 'permission_error',
    message: 'The vault service {service} does not allow {method}.',
  },
  vault_path_not_allowed: {
    status: 403,
    type: 'permission_error',
    message: 'The path is outside what the vault service {service} allows.',
  },
  vault_invalid_path: { status: 400, type: 'invalid_request_error', message: 'The path is not acceptable: {detail}.' },
  vault_invalid_header: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The header {header} is not acceptable (control characters).',
  },
  vault_rate_limited: {
    status: 429,
    type: 'rate_limit_error',
    message: 'Rate limit of the vault service {service} reached; retry after {retryAfter} s.',
  },
  vault_credential_missing: {
    status: 503,
    type: 'service_unavailable',
    message: 'No credential is configured for the vault service {service}.',
  },
  vault_credential_unreadable: {
    status: 500,
    type: 'api_error',
    message: 'The credential of the vault service {service} cannot be used; an operator must check the gateway logs.',
  },
  vault_token_unavailable: {
    status: 502,
    type: 'upstream_error',
    message: 'No access token could be obtained for the vault service {service}.',
  },
  vault_upstream_timeout: { status: 504, type: 'upstream_error', message: 'The vault service {service} timed out.' },
  vault_upstream_unreachable: {
    status: 502,
    type: 'upstream_error',
    message: 'The vault service {service} could not be reached.',
  },
  vault_unavailable: {
    status: 503,
    type: 'service_unavailable',
    message: 'Vault grants cannot be checked right now; retry shortly.',
  },
  idempotency_key_invalid: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The Idempotency-Key header must be 1-255 visible ASCII characters.',
  },
  idempotency_key_reused: {
    status: 422,
    type: 'invalid_request_error',
    message: 'This Idempotency-Key was already used for a different request.',
  },
  idempotency_key_in_progress: {
    status: 409,
    type: 'conflict_error',
    message: 'A request with this Idempotency-Key is still in progress.',
  },
  internal_error: {
    status: 500,
    type: 'api_error',
    message: 'Internal error; the request id identifies it in the logs.',
  },
} satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export interface ErrorBody {
  error: { message: string; type: ErrorType; code: ErrorCode; param: string | null };
}

function render(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** An error that knows its catalog entry and renders the wire body itself. */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly type: ErrorType;
  readonly statusCode: number;
  readonly param: string | null;
  /** Extra response headers (Retry-After, WWW-Authenticate). */
  readonly headers: Record<string, string> | null;

  constructor(
    code: ErrorCode,
    options: {
      values?: Record<string, string | number>;
      param?: string | null;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    const entry: CatalogEntry = ERROR_CATALOG[code];
    super(render(entry.message, options.values ?? {}), { cause: options.cause });
    this.name = 'GatehouseError';
    this.code = code;
    this.type = entry.type;
    this.statusCode = entry.status;
    this.param = options.param ?? null;
    this.headers = options.headers ?? null;
  }

  toResponseObject(): ErrorBody {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

export function httpError(
  code: ErrorCode,
  values?: Record<string, string | number>,
  param?: string | null,
): GatehouseError {
  return new GatehouseError(code, { values, param: param ?? null });
}
