import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../identity/index.ts';
import { dialectFor, InvalidBodyError } from '../llm/index.ts';
import { ConflictError, NotFoundError } from '../store/index.ts';
import { GatehouseError, httpError } from './errors.ts';
import type { Surface } from './surfaces.ts';

const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** An id parameter given something else, most often a name (`/tenants/acme`): say so rather than quote the regex. */
function isIdPattern(failure: { keyword?: string; params?: unknown } | undefined): boolean {
  return failure?.keyword === 'pattern' && (failure.params as { pattern?: string }).pattern === UUID_PATTERN;
}

function fromFastifyError(error: FastifyError, bodyLimit: number, contentType: string): GatehouseError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return httpError('body_too_large', { limit: bodyLimit });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return httpError('unsupported_media_type', { contentType: contentType.slice(0, 100) || '(none)' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return httpError('invalid_json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return httpError('invalid_request', { detail: 'the JSON body is empty' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return httpError('invalid_request', { detail: 'Content-Length does not match the body' });
  }
  if (error.validation && error.validation.length > 0) {
    const first = error.validation[0];
    const path = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : null;
    const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
    const extra = (first?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
    const param = [path, missing ?? extra].filter(Boolean).join('.') || null;
    const detail = extra
      ? `unknown field "${extra}"`
      : isIdPattern(first)
        ? `${param} takes an id (a UUID), not a name: only tenants and teams are named by name as well (list ids with the matching GET)`
        : `${param ?? 'body'} ${first?.message ?? 'is invalid'}`;
    return httpError('invalid_request', { detail }, param);
  }
  if (error instanceof SyntaxError && error.statusCode === 400) return httpError('invalid_json');
  return null;
}

/** Maps anything thrown on any surface to the catalog; unknown errors become `internal_error`, logged in full. */
export function toGatehouseError(error: unknown, bodyLimit: number, contentType = ''): GatehouseError {
  if (error instanceof GatehouseError) return error;
  if (error instanceof InvalidBodyError) return httpError('invalid_request', { detail: error.detail }, error.param);
  if (error instanceof ValidationError) return httpError('invalid_request', { detail: error.message }, error.field);
  if (error instanceof ConflictError) return httpError('conflict', { detail: error.message }, error.field);
  if (error instanceof NotFoundError) return httpError('resource_not_found', { detail: error.message });
  const mapped = fromFastifyError(error as FastifyError, bodyLimit, contentType);
  if (mapped) return mapped;
  return new GatehouseError('internal_error', { cause: error });
}

/**
 * The stable catalog code of every error response, whatever its envelope: Ollama's `{"error":"<message>"}` has no
 * field for it, and a client of any dialect can branch on this header without parsing the body.
 */
export const ERROR_CODE_HEADER = 'x-gatehouse-error-code';

/** The dialect whose envelope a client of `surface` reads: the surface's own, or the one its headers mark. */
function clientDialect(surface: Surface | undefined, headers: FastifyRequest['headers']) {
  const marked = surface?.dialectHeader;
  if (marked !== undefined && headers[marked.name] !== undefined) return marked.dialect;
  return surface?.dialect;
}

/** The body `error` takes on `surface`: its client's dialect's envelope (DESIGN §2 invariant 5), else the default. */
export function errorBodyFor(error: GatehouseError, surface: Surface | undefined, headers: FastifyRequest['headers']) {
  const dialect = clientDialect(surface, headers);
  if (dialect === undefined) return error.toResponseObject();
  return dialectFor(dialect).errorBody({
    status: error.statusCode,
    type: error.type,
    code: error.code,
    message: error.message,
    param: error.param,
  });
}

/** The single writer of error bodies (STYLE §5). */
export function createErrorHandler(bodyLimit: number) {
  return function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const mapped = toGatehouseError(error, bodyLimit, request.headers['content-type'] ?? '');
    if (mapped.statusCode >= 500) {
      request.log.error({ err: error, code: mapped.code, request_id: request.id }, mapped.message);
    }
    if (request.gh) request.gh.errorCode = mapped.code;
    if (mapped.headers) reply.headers(mapped.headers);
    if (mapped.statusCode === 401 && !reply.hasHeader('www-authenticate')) {
      reply.header('www-authenticate', 'Bearer realm="gatehouse"');
    }
    reply.header(ERROR_CODE_HEADER, mapped.code);
    reply.code(mapped.statusCode).send(errorBodyFor(mapped, request.gh?.surface, request.headers));
  };
}

export function handleNotFound(request: FastifyRequest, _reply: FastifyReply): void {
  const path = request.url.split('?')[0] ?? '';
  throw httpError('not_found', { method: request.method, path: path.length > 200 ? `${path.slice(0, 200)}…` : path });
}
