/**
 * The one error catalog (DESIGN §2 invariant 5). Every error body Gatehouse writes is
 * `{"error":{"message","type","code","param"}}` with a code from this table, or the same entry in the envelope of
 * the route's dialect (Anthropic's `{"type":"error","error":{"type","message","code","param"}}`, its type mapped
 * by the dialect's table); the root error handler is the only writer. Codes are stable snake_case strings: clients
 * and dashboards match on them.
 */
import { UPSTREAM_ERRORS, type UpstreamErrorCode } from '../domain/routing/index.ts';
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

/**
 * The router's failures keep the status and type their table in `domain/routing` gives them (one copy of each);
 * the message is the router's own, already written for clients and redacted.
 */
function upstreamEntry(code: UpstreamErrorCode): CatalogEntry {
  const { status, type } = UPSTREAM_ERRORS[code];
  return { status, type: type as ErrorType, message: '{detail}.' };
}

export const ERROR_CATALOG = {
  invalid_json: { status: 400, type: 'invalid_request_error', message: 'The request body is not valid JSON.' },
  json_too_deep: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The JSON body nests objects and arrays deeper than {limit} levels.',
  },
  malformed_request: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The request is not valid HTTP/1.1 ({reason}).',
  },
  invalid_path: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The request path is malformed: {detail}.',
  },
  path_parameter_too_long: {
    status: 414,
    type: 'invalid_request_error',
    message: 'A path parameter is longer than {limit} characters.',
  },
  headers_too_large: {
    status: 431,
    type: 'invalid_request_error',
    message: 'The request headers exceed the limit of {limit} bytes.',
  },
  request_timeout: {
    status: 408,
    type: 'invalid_request_error',
    message: 'The request was not received in time.',
  },
  invalid_request: { status: 400, type: 'invalid_request_error', message: 'The request is invalid: {detail}.' },
  feature_needs_native_upstream: {
    status: 400,
    type: 'invalid_request_error',
    message:
      '{feature} needs an upstream that serves {path} itself, and model {model} is (at least in part) served by translation, which keeps no state and hosts no tools. Send the whole conversation in the request, or route the model to upstreams that serve {path}.',
  },
  operation_not_supported: {
    status: 400,
    type: 'invalid_request_error',
    message:
      'Model {model} cannot serve {path}: it is routed only to {kinds} upstreams, which have no such operation and cannot take it by translation. Use a model routed to an upstream that serves {path}.',
  },
  response_not_stored: {
    status: 404,
    type: 'not_found_error',
    message:
      'Response {id} cannot be retrieved through Gatehouse: it keeps no responses, and translated upstreams store none. Send the whole conversation in input with store: false.',
  },
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
    message: 'The Authorization header must be "Bearer <key>" (or the x-api-key header the key alone).',
  },
  invalid_api_key: { status: 401, type: 'authentication_error', message: 'The API key is not valid.' },
  key_revoked: { status: 401, type: 'authentication_error', message: 'The API key has been revoked.' },
  key_expired: { status: 401, type: 'authentication_error', message: 'The API key has expired.' },
  credential_not_accepted: {
    status: 401,
    type: 'authentication_error',
    message: 'This endpoint does not accept this kind of credential.',
  },
  auth_throttled: {
    status: 429,
    type: 'rate_limit_error',
    message: 'Too many failed authentications from this address; retry after {retryAfter} s.',
  },
  invalid_token: { status: 401, type: 'authentication_error', message: 'The bearer token is not valid: {detail}.' },
  token_expired: { status: 401, type: 'authentication_error', message: 'The bearer token has expired.' },
  session_invalid: {
    status: 401,
    type: 'authentication_error',
    message: 'The console session is not valid; sign in again.',
  },
  session_expired: {
    status: 401,
    type: 'authentication_error',
    message: 'The console session has expired; sign in again.',
  },
  oidc_login_failed: { status: 401, type: 'authentication_error', message: 'The sign-in did not complete: {detail}.' },
  oidc_not_configured: {
    status: 404,
    type: 'not_found_error',
    message: 'Sign-in through an identity provider is not configured (oidc.console).',
  },
  console_unavailable: {
    status: 503,
    type: 'service_unavailable',
    message: 'The console is not built: run `npm run build` (npm install and npm start do it too).',
  },
  csrf_failed: {
    status: 403,
    type: 'permission_error',
    message: 'Refused as a possible cross-site request: {detail}.',
  },
  cors_not_allowed: {
    status: 403,
    type: 'permission_error',
    message: 'Cross-origin request refused: {detail}.',
  },
  insufficient_scope: {
    status: 403,
    type: 'permission_error',
    message: 'The token was not issued for this: it needs the scope(s) {scope}.',
  },
  permission_denied: {
    status: 403,
    type: 'permission_error',
    message: 'This credential may not {permission} here.',
  },
  not_found: { status: 404, type: 'not_found_error', message: 'No route for {method} {path}.' },
  resource_not_found: { status: 404, type: 'not_found_error', message: '{detail}.' },
  conflict: { status: 409, type: 'conflict_error', message: '{detail}.' },
  precondition_failed: {
    status: 412,
    type: 'conflict_error',
    message: 'If-Match does not match the current version ({current}): re-read the resource and retry.',
  },
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
  mcp_server_not_found: {
    status: 404,
    type: 'not_found_error',
    message: 'No MCP server named {server} is available to this caller.',
  },
  tool_not_found: {
    status: 404,
    type: 'not_found_error',
    message: 'The MCP server {server} has no tool {tool} available to this caller.',
  },
  tool_quarantined: {
    status: 409,
    type: 'conflict_error',
    message: "The definition of tool {tool} on {server} changed and awaits an administrator's approval.",
  },
  tool_not_allowed: {
    status: 403,
    type: 'permission_error',
    message: 'The team tool policy does not allow calling {tool}.',
  },
  tool_arguments_denied: {
    status: 403,
    type: 'permission_error',
    message: 'The team tool policy does not allow {tool} with these arguments.',
  },
  tool_arguments_invalid: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The tool arguments are invalid: {detail}.',
  },
  tool_arguments_too_large: {
    status: 413,
    type: 'invalid_request_error',
    message: 'The tool arguments exceed the limit of {limit} bytes.',
  },
  tool_rate_limited: {
    status: 429,
    type: 'rate_limit_error',
    message: 'The tool rate limit is reached; retry after {retry_after_ms} ms.',
  },
  capability_required: {
    status: 403,
    type: 'permission_error',
    message: 'Calling {tool} requires a signed capability (x-gatehouse-capability).',
  },
  capability_invalid: {
    status: 403,
    type: 'permission_error',
    message: 'The capability was refused ({reason}): {detail}.',
  },
  capability_expired: {
    status: 403,
    type: 'permission_error',
    message: 'The capability is not valid now ({reason}): {detail}.',
  },
  capability_mismatch: {
    status: 403,
    type: 'permission_error',
    message: 'The capability does not cover this call ({reason}): {detail}.',
  },
  capability_replayed: {
    status: 403,
    type: 'permission_error',
    message: 'The capability was already used ({reason}).',
  },
  mcp_upstream_unavailable: {
    status: 502,
    type: 'upstream_error',
    message: 'The MCP server {server} is unavailable: {detail}.',
  },
  mcp_upstream_timeout: {
    status: 504,
    type: 'upstream_error',
    message: 'The MCP server {server} did not answer in time.',
  },
  mcp_upstream_error: {
    status: 502,
    type: 'upstream_error',
    message: 'The MCP server {server} failed the call: {detail}.',
  },
  prompt_not_found: {
    status: 404,
    type: 'not_found_error',
    message: 'The MCP server {server} has no prompt {prompt} available to this caller.',
  },
  mcp_resource_not_found: {
    status: 404,
    type: 'not_found_error',
    message: 'No resource {uri} is available to this caller.',
  },
  mcp_method_not_allowed: {
    status: 403,
    type: 'permission_error',
    message: 'The team policy does not allow {method} here.',
  },
  mcp_request_state_invalid: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The requestState is not valid: {detail}.',
  },
  mcp_input_unavailable: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The MCP server asked for client input this client cannot give ({detail}).',
  },
  mcp_authorization_required: {
    status: 401,
    type: 'authentication_error',
    message: 'The MCP server {server} needs your authorization: open {url} to grant it, then retry.',
  },
  mcp_authorization_failed: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The MCP server authorization did not complete ({reason}): {detail}.',
  },
  mcp_origin_not_allowed: {
    status: 403,
    type: 'permission_error',
    message: 'The request {reason} is not allowed on the MCP endpoint.',
  },
  method_not_allowed: {
    status: 405,
    type: 'invalid_request_error',
    message: '{method} is not supported here; use {allow}.',
  },
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
  rate_limit_exceeded: {
    status: 429,
    type: 'rate_limit_error',
    message:
      'Rate limit reached for {scope}: {limit} {unit} per minute. Retry after {retryAfter} s (resets at {resetAt}).',
  },
  request_too_large: {
    status: 429,
    type: 'rate_limit_error',
    message:
      'This request reserves {requested} tokens, more than the {scope} limit of {limit} tokens per minute admits at once; lower max_tokens or shorten the prompt.',
  },
  concurrency_limit_exceeded: {
    status: 429,
    type: 'rate_limit_error',
    message: '{scope} already has {limit} requests in flight, its concurrency limit; retry when one finishes.',
  },
  budget_exceeded: {
    status: 429,
    type: 'insufficient_quota',
    message:
      'This request reserves {reservation}, which would exceed the {window} {unit} budget of {scope} ({limit}); {reset}.',
  },
  state_unavailable: {
    status: 503,
    type: 'service_unavailable',
    message: 'Rate limits and budgets cannot be checked right now (shared state unavailable); retry shortly.',
  },
  model_not_found: {
    status: 404,
    type: 'invalid_request_error',
    message: "The model '{model}' does not exist or is not served by this gateway.",
  },
  model_not_allowed: { status: 403, type: 'permission_error', message: "This key may not use the model '{model}'." },
  ollama_endpoint_blocked: {
    status: 403,
    type: 'permission_error',
    message: '{endpoint} is disabled on this gateway: models are managed by its operators, not through the API.',
  },
  upstream_unavailable: upstreamEntry('upstream_unavailable'),
  upstream_timeout: upstreamEntry('upstream_timeout'),
  upstream_bad_response: upstreamEntry('upstream_bad_response'),
  upstream_rate_limited: upstreamEntry('upstream_rate_limited'),
  upstream_auth_failed: upstreamEntry('upstream_auth_failed'),
  upstream_rejected: upstreamEntry('upstream_rejected'),
  upstream_saturated: upstreamEntry('upstream_saturated'),
  client_aborted: { ...upstreamEntry('client_aborted'), message: 'The client closed the request.' },
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

/**
 * How `gatehouse_admission_denials_total` classifies a refusal, from the catalog's own types: a rate-limit error
 * is `rate` (concurrency is its own reason), an exhausted quota is `budget`, a permission error is `policy`. An
 * upstream's refusal (its 429) is not the gateway denying anything, so it is not counted.
 */
export function denialReasonOf(code: string): 'rate' | 'concurrency' | 'budget' | 'policy' | null {
  if (!Object.hasOwn(ERROR_CATALOG, code) || Object.hasOwn(UPSTREAM_ERRORS, code)) return null;
  if (code === 'concurrency_limit_exceeded') return 'concurrency';
  switch (ERROR_CATALOG[code as ErrorCode].type) {
    case 'rate_limit_error':
      return 'rate';
    case 'insufficient_quota':
      return 'budget';
    case 'permission_error':
      return 'policy';
    default:
      return null;
  }
}
