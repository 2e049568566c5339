import type { FastifyReply, FastifyRequest } from 'fastify';
import { digestsEqual } from '../../domain/keys/index.ts';
import { forwardClientTrace, type RequestTracer } from '../../telemetry/index.ts';
import { RequestContext } from '../context.ts';
import { GatehouseError, httpError } from '../errors.ts';
import { CSRF_HEADER, readCookie, SESSION_COOKIE } from '../session-cookie.ts';
import { acceptsSession, UNMATCHED_SURFACE } from '../surfaces.ts';
import type { GatewayPipelineDeps } from './deps.ts';
import type { SessionAuthenticator } from './types.ts';

/** Fastify adds `Connection: close` to requests that arrive while closing; `Retry-After` sends the client elsewhere. */
const SHUTTING_DOWN = new GatehouseError('shutting_down', { headers: { 'retry-after': '1' } });

/** First stage of every request, matched or not: gives it a context, a surface and its request id header. */
export function startRequest(request: FastifyRequest, reply: FastifyReply): void {
  const config = request.routeOptions.config;
  request.gh = new RequestContext(request.id, config.surfaceEntry ?? UNMATCHED_SURFACE, config.buildCall ?? null);
  reply.header('x-gatehouse-request-id', request.id);
}

/**
 * Starts the request's server span (continuing the caller's `traceparent`) and names its trace in
 * `x-gatehouse-trace-id`, beside the request id. Only called when tracing is on.
 */
export function traceRequest(tracer: RequestTracer, request: FastifyRequest, reply: FastifyReply): void {
  const context = request.gh;
  context.trace = tracer.startRequest(request.headers, request.method, context.surface.path, context.surface.id);
  context.outbound = context.trace;
  reply.header('x-gatehouse-trace-id', context.trace.traceId);
}

/**
 * With tracing off, upstreams still receive the client's own `traceparent`/`tracestate` unchanged: the caller's
 * trace stays joined across the gateway, which adds no span of its own. A request without one costs this lookup.
 */
export function forwardTrace(request: FastifyRequest): void {
  if (request.headers.traceparent !== undefined) request.gh.outbound = forwardClientTrace(request.headers);
}

/**
 * A failed authentication, throttled per source address: within the allowance it is the 401 itself; past it, 429
 * `auth_throttled`, whose event the audit sink counts into one aggregated event per source and window instead of
 * writing it (the source rides in `meta` for that). Errors other than 401 (a store outage, a CSRF refusal) are not
 * failed guesses and pass through uncounted. Console sign-in routes and session cookies go through it too, so a
 * pasted-token or forged-cookie flood is throttled like a bearer one.
 */
export function refuseAuthentication(
  deps: GatewayPipelineDeps,
  request: FastifyRequest,
  error: GatehouseError,
): GatehouseError {
  if (error.statusCode !== 401) return error;
  const retryAfter = deps.authThrottle.noteFailure(request.ip);
  if (retryAfter === null) return error;
  request.gh.meta = { source_address: request.ip };
  return new GatehouseError('auth_throttled', {
    values: { retryAfter },
    headers: { 'retry-after': String(retryAfter) },
  });
}

/** `Bearer <token>` with exactly one space-free token (RFC 6750 §2.1); anything else is malformed. */
export function parseBearer(header: string): string | null {
  if (header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return null;
  const token = header.slice(7).trim();
  if (token.length === 0 || token.length > 4096 || /\s/.test(token)) return null;
  return token;
}

/**
 * Resolves the caller. Surfaces with auth `none` skip it; every other surface needs a valid credential (DESIGN §2
 * invariant 3: no principal, 401). The audit queue is checked here too, before any work is done for the request:
 * a saturated writer sheds load with 503 instead of dropping events it already accepted.
 */
export async function identifyRequest(deps: GatewayPipelineDeps, request: FastifyRequest): Promise<void> {
  const { surface } = request.gh;
  if (surface.auth.includes('none')) return;
  if (deps.isShuttingDown()) throw SHUTTING_DOWN;
  if (deps.audit.overloaded) throw httpError('audit_backpressure');
  const header = request.headers.authorization;
  if (header === undefined) {
    const apiKey = surface.auth.includes('key') ? request.headers['x-api-key'] : undefined;
    if (apiKey !== undefined) return identifyApiKey(deps, request, apiKey);
    const sessionId =
      deps.sessions && acceptsSession(surface) ? readCookie(request.headers.cookie, SESSION_COOKIE) : null;
    if (sessionId !== null && deps.sessions) return identifySession(deps, deps.sessions, request, sessionId);
    throw refuseAuthentication(deps, request, httpError('missing_api_key'));
  }
  const token = parseBearer(header);
  if (token === null) throw refuseAuthentication(deps, request, httpError('invalid_authorization_header'));
  return identifyToken(deps, request, token);
}

async function identifyToken(deps: GatewayPipelineDeps, request: FastifyRequest, token: string): Promise<void> {
  const result = await deps.authenticator.authenticate(token, request.gh.surface);
  if (!result.ok) {
    const error = httpError(result.reason, result.detail === undefined ? undefined : { detail: result.detail });
    throw refuseAuthentication(deps, request, error);
  }
  request.gh.principal = result.principal;
}

/**
 * `x-api-key: <gateway key>`, as Anthropic's SDKs and Claude Code send it with `ANTHROPIC_API_KEY`. Only on key
 * surfaces, and only without an `Authorization` header, so one request never presents two credentials that
 * could disagree.
 */
async function identifyApiKey(
  deps: GatewayPipelineDeps,
  request: FastifyRequest,
  value: string | string[],
): Promise<void> {
  const token = typeof value === 'string' ? value.trim() : '';
  if (token.length === 0 || token.length > 4096 || /\s/.test(token)) {
    throw refuseAuthentication(deps, request, httpError('invalid_authorization_header'));
  }
  return identifyToken(deps, request, token);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A request authenticated by the console's cookie. The cookie is SameSite=Strict, so browsers do not send it on
 * cross-site requests; writes must also carry the session's CSRF token in a header (which a cross-site form, image
 * or link cannot set), and a browser's own `Sec-Fetch-Site`/`Origin` saying the request came from elsewhere is
 * refused outright (OWASP CSRF cheat sheet: defence in depth beyond SameSite).
 */
async function identifySession(
  deps: GatewayPipelineDeps,
  sessions: SessionAuthenticator,
  request: FastifyRequest,
  sessionId: string,
): Promise<void> {
  const result = await sessions.authenticate(sessionId);
  if (!result.ok) throw refuseAuthentication(deps, request, httpError(result.reason));
  // Set before the CSRF checks, so a refused write is audited under the session's principal.
  request.gh.principal = result.principal;
  if (!SAFE_METHODS.has(request.method)) checkCsrf(request, result.csrf);
}

/** The CSRF defences of a cookie-authenticated write; throws `csrf_failed` naming the one that failed. */
export function checkCsrf(request: FastifyRequest, csrf: string): void {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') {
    throw httpError('csrf_failed', { detail: `the browser says it came from a ${site} page` });
  }
  // Host only, not scheme: behind a TLS-terminating proxy the browser's https origin reaches us as plain http.
  const origin = request.headers.origin;
  if (origin !== undefined && hostOf(origin) !== request.host) {
    throw httpError('csrf_failed', { detail: 'the Origin header is not this gateway' });
  }
  const presented = request.headers[CSRF_HEADER];
  if (typeof presented !== 'string' || !digestsEqual(csrf, presented)) {
    throw httpError('csrf_failed', { detail: `the ${CSRF_HEADER} header is missing or wrong` });
  }
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
