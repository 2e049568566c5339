/**
 * @module Requests refused before any route runs (issue 14, finding 6). Each gets the catalog's error shape and
 * exactly one audit event, like every routed request (DESIGN §2 invariant 2):
 * - a path Fastify's router cannot decode (bad percent-escape) or a path parameter over `http.max_param_length`:
 *   Fastify's `frameworkErrors`, which has a request and reply but runs no hooks;
 * - a request Node's HTTP parser rejects (an invalid method, NUL or CR/LF in a header, raw non-ASCII in the path,
 *   headers over the size limit, a header timeout): the server's `clientError`, which has only the socket;
 * - CONNECT, which Node hands to the server's `connect` listeners and, without one, closes unanswered.
 */
import { type IncomingMessage, maxHeaderSize, type OutgoingMessage, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { uuidv7 } from '../domain/ids.ts';
import { RequestContext } from './context.ts';
import { ERROR_CODE_HEADER } from './error-handler.ts';
import { type GatehouseError, httpError } from './errors.ts';
import { auditResponse, buildDraft, watchResponse } from './pipeline/audit.ts';
import type { GatewayPipelineDeps } from './pipeline/deps.ts';
import { startRequest } from './pipeline/identify.ts';
import { MALFORMED_SURFACE, type Surface, UNMATCHED_SURFACE } from './surfaces.ts';

function noop(): void {}

function fromFrameworkError(error: FastifyError, maxParamLength: number): GatehouseError {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return httpError('path_parameter_too_long', { limit: maxParamLength });
  if (error.code === 'FST_ERR_BAD_URL') return httpError('invalid_path', { detail: 'a percent-escape is not valid' });
  return httpError('invalid_request', { detail: 'the request cannot be routed' });
}

/**
 * Fastify's `frameworkErrors`: the request and reply exist but no hook has run. The request enters the pipeline
 * here, as the unmatched surface (its path could not be matched), and is audited when its response ends.
 */
export function createFrameworkErrorHandler(maxParamLength: number) {
  return function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    startRequest(request, reply);
    watchResponse(request, reply);
    const mapped = fromFrameworkError(error, maxParamLength);
    request.gh.errorCode = mapped.code;
    // No onResponse hook runs for these replies; the unmatched surface's replies are not held (auth `none`).
    reply.raw.once('finish', () => auditResponse.call(request.server, request, reply, noop));
    reply.header(ERROR_CODE_HEADER, mapped.code);
    reply.code(mapped.statusCode).send(mapped.toResponseObject());
  };
}

/** The method as the parser saw it, when it looks like one; the event's `method` must match `^[A-Z]+$`. */
function methodToken(raw: unknown): string {
  if (!Buffer.isBuffer(raw)) return 'UNKNOWN';
  const head = raw.subarray(0, 24).toString('latin1');
  const token = head.slice(0, head.search(/[ \r\n]|$/));
  return /^[A-Z]{1,16}$/.test(token) ? token : 'UNKNOWN';
}

function fromParserError(code: string | undefined): GatehouseError {
  if (code === 'HPE_HEADER_OVERFLOW') return httpError('headers_too_large', { limit: maxHeaderSize });
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return httpError('request_timeout');
  const reason = (code ?? 'unknown').replace(/^HPE_/, '').toLowerCase().replaceAll('_', ' ');
  return httpError('malformed_request', { reason });
}

/** Writes a whole response on a socket that has no `ServerResponse`, then closes the connection. */
function answerOnSocket(socket: Socket, requestId: string, error: GatehouseError, extra = ''): void {
  // Node's own rule (lib/_http_server.js socketOnError): answer only when no response has started on the socket.
  const inProgress = (socket as Socket & { _httpMessage?: OutgoingMessage | null })._httpMessage;
  if (!socket.writable || (inProgress?.headersSent ?? false)) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(error.toResponseObject());
  socket.end(
    `HTTP/1.1 ${error.statusCode} ${STATUS_CODES[error.statusCode] ?? 'Error'}\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `x-gatehouse-request-id: ${requestId}\r\n${ERROR_CODE_HEADER}: ${error.code}\r\n${extra}` +
      'connection: close\r\n\r\n' +
      body,
  );
}

/**
 * Records the request's event, then answers once it is durable, as every routed response waits for its commit
 * (README "Reliability"); past `durableTimeoutMs` the connection is dropped instead.
 */
async function recordOnSocket(
  deps: GatewayPipelineDeps,
  surface: Surface,
  method: string,
  error: GatehouseError,
  socket: Socket,
  reason: string | null,
): Promise<void> {
  const context = new RequestContext(uuidv7(), surface);
  context.errorCode = error.code;
  context.setMeta('parse_error', reason);
  context.setMeta('source_address', socket.remoteAddress ?? null);
  const durable = deps.audit.enqueue(buildDraft(deps, context, method, error.statusCode));
  let timer: NodeJS.Timeout | null = null;
  const committed = await Promise.race([
    durable.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(resolve, deps.durableTimeoutMs, false);
    }),
  ]);
  if (timer !== null) clearTimeout(timer);
  if (!committed) {
    socket.destroy();
    return;
  }
  const allow = error.statusCode === 405 ? 'allow: GET, HEAD, POST, PUT, PATCH, DELETE\r\n' : '';
  answerOnSocket(socket, context.requestId, error, allow);
}

function logFailure(app: FastifyInstance, error: unknown): void {
  app.log.error({ err: error }, 'recording a refused request failed');
}

type ParserError = Error & { code?: string; rawPacket?: unknown };

/** The server's `clientError` handler (Fastify's `clientErrorHandler`). */
export function handleClientError(app: FastifyInstance, error: ParserError, socket: Socket): void {
  // A reset connection sent no request that could be answered, and one already torn down has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const mapped = fromParserError(error.code);
  recordOnSocket(
    app.gatehouse,
    MALFORMED_SURFACE,
    methodToken(error.rawPacket),
    mapped,
    socket,
    error.code ?? null,
  ).catch((failure) => logFailure(app, failure));
}

/** CONNECT turns the connection into a tunnel, which a gateway of HTTP APIs never offers: 405, then close. */
export function refuseConnect(app: FastifyInstance): void {
  app.server.on('connect', (_request: IncomingMessage, socket: Socket) => {
    const error = httpError('method_not_allowed', {
      method: 'CONNECT',
      allow: 'GET, HEAD, POST, PUT, PATCH or DELETE',
    });
    recordOnSocket(app.gatehouse, UNMATCHED_SURFACE, 'CONNECT', error, socket, null).catch((failure) =>
      logFailure(app, failure),
    );
  });
}
