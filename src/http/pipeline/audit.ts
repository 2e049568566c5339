import { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AuditEventDraft, outcomeForStatus } from '../../domain/audit/index.ts';
import { uuidv7 } from '../../domain/ids.ts';
import type { RequestContext } from '../context.ts';
import type { GatewayPipelineDeps } from './deps.ts';
import { measureRequest, settleRequest } from './settle.ts';

/** nginx's convention for "client closed the request before the response was complete". */
export const CLIENT_CLOSED_STATUS = 499;

/** The event of one request; exported for requests refused before any route (src/http/edge-requests.ts). */
export function buildDraft(
  deps: GatewayPipelineDeps,
  context: RequestContext,
  method: string,
  status: number,
): AuditEventDraft {
  const { principal } = context;
  return {
    id: uuidv7(context.startedAtMs),
    ts: new Date(context.startedAtMs).toISOString(),
    request_id: context.requestId,
    trace_id: context.trace?.traceId ?? null,
    region: deps.regionId,
    principal: principal
      ? { type: principal.type, id: principal.id, tenant_id: principal.tenantId, team_id: principal.teamId }
      : null,
    surface: context.surface.id,
    method,
    path: context.surface.path,
    status,
    outcome: outcomeForStatus(status, {
      aborted: context.aborted,
      denied: context.authz?.decision === 'deny',
      upstreamFailed: context.upstream !== null && status >= 500,
      budgetExceeded: context.errorCode === 'budget_exceeded',
    }),
    latency_ms: Number(process.hrtime.bigint() - context.startedAt) / 1e6,
    authz: context.authz,
    upstream: context.upstream,
    usage: context.usage,
    error_code: context.errorCode,
    meta: context.meta ?? {},
  };
}

/** The arguments of a held `res.end(...)`, replayed once the request's event is durable. */
type EndArguments = Parameters<ServerResponse['end']>;

const kWatched = Symbol('gatehouse.watchedRequest');
const kHeldEnd = Symbol('gatehouse.heldEnd');

type WatchedResponse = FastifyReply['raw'] & {
  [kWatched]?: FastifyRequest;
  [kHeldEnd]?: EndArguments | null;
};

const realEnd = ServerResponse.prototype.end;

/** Sends the held last bytes. Module-level so no closure is allocated per request. */
function releaseEnd(response: WatchedResponse): void {
  const args = response[kHeldEnd];
  if (args === undefined || args === null) return;
  response[kHeldEnd] = null;
  // The client left while the bytes were held: nothing to send (its event says what it was sent).
  if (response.destroyed) return;
  Reflect.apply(realEnd, response, args);
}

/**
 * Resolves once `durable` does, or after `timeoutMs`. Past the timeout the connection is dropped instead of
 * completed: a response whose event is not durable must not reach the client in full (DESIGN §2 invariant 2).
 */
async function endWhenDurable(
  deps: GatewayPipelineDeps,
  response: WatchedResponse,
  durable: Promise<void>,
): Promise<void> {
  let timer: NodeJS.Timeout | null = null;
  const timedOut = await Promise.race([
    durable.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(resolve, deps.durableTimeoutMs, true);
    }),
  ]);
  if (timer !== null) clearTimeout(timer);
  if (timedOut) {
    response[kHeldEnd] = null;
    response.destroy();
    return;
  }
  releaseEnd(response);
}

/**
 * The end of every request: the usage is measured (the ledger delta), the event and the delta go to the audit
 * writer together, and when the response's last bytes are held, they are released only once the group commit that
 * holds both has completed. Shared counters are corrected after that, so a counter rebuilt from the ledger never
 * misses a request it already counted (README "Reliability").
 */
async function completeRequest(
  deps: GatewayPipelineDeps,
  request: FastifyRequest,
  status: number,
  response: WatchedResponse | null,
): Promise<void> {
  const context = request.gh;
  if (context.pending !== null) await context.pending.catch(() => {});
  context.trace?.endStage('handler');
  const spend = measureRequest(deps, context, request.log);
  const finalStatus = context.aborted ? CLIENT_CLOSED_STATUS : status;
  const draft = buildDraft(deps, context, request.method, finalStatus);
  const durable = deps.audit.enqueue(draft, spend);
  if (response !== null) await endWhenDurable(deps, response, durable);
  else await durable;
  if (context.ticket !== null) {
    await settleRequest(deps, context, request.log);
    context.trace?.endStage('settle');
  }
  context.trace?.finish(draft);
}

/** Exactly one audit event per request (DESIGN §2 invariant 2): whichever of end, finish or abort comes first. */
function recordOnce(
  deps: GatewayPipelineDeps,
  request: FastifyRequest,
  status: number,
  response: WatchedResponse | null,
): boolean {
  const context = request.gh;
  if (context === null || context.audited) return false;
  context.audited = true;
  completeRequest(deps, request, status, response).catch((error) =>
    request.log.error({ err: error, request_id: request.id }, 'audit failed'),
  );
  return true;
}

/**
 * Replaces `res.end` for the request's response: the final bytes (a JSON body, which Fastify sends in that one
 * call, or a stream's terminating chunk) wait for the group commit holding the request's event and ledger delta.
 */
function holdEnd(this: WatchedResponse, ...args: EndArguments): WatchedResponse {
  const request = this[kWatched];
  this.end = realEnd;
  if (request === undefined || this[kHeldEnd] !== undefined) return Reflect.apply(realEnd, this, args);
  // Operations endpoints (health, readiness, metrics, docs) are recorded but not held: they must answer during a
  // store outage, which is when /readyz and the audit queue depth on /metrics matter most.
  if (request.gh?.surface.auth.includes('none')) return Reflect.apply(realEnd, this, args);
  this[kHeldEnd] = args;
  if (!recordOnce(request.server.gatehouse, request, this.statusCode, this)) releaseEnd(this);
  return this;
}

export function auditResponse(
  this: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  done: () => void,
): void {
  recordOnce(this.gatehouse, request, reply.statusCode, null);
  done();
}

export function auditAbort(this: FastifyInstance, request: FastifyRequest, done: () => void): void {
  if (request.gh !== null) request.gh.aborted = true;
  recordOnce(this.gatehouse, request, CLIENT_CLOSED_STATUS, null);
  done();
}

/**
 * A client that disconnects mid-response fires neither hook above: the response never emits 'finish' (so no
 * onResponse) and, the request body being complete, `req.aborted` stays false (so no onRequestAbort). The
 * response's 'close' is then the only signal; without it the request would get no audit event and its admission
 * would never settle (a concurrency slot held until its lease expires).
 */
function recordUnfinished(this: WatchedResponse): void {
  const request = this[kWatched];
  if (!request || this.writableFinished || request.gh === null || request.gh.audited) return;
  request.gh.aborted = true;
  recordOnce(request.server.gatehouse, request, CLIENT_CLOSED_STATUS, null);
}

/** Module-level functions, no closure per request: the request rides on its response object. */
export function watchResponse(request: FastifyRequest, reply: FastifyReply): void {
  const raw = reply.raw as WatchedResponse;
  raw[kWatched] = request;
  raw.end = holdEnd as WatchedResponse['end'];
  raw.once('close', recordUnfinished);
}
