import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AuditEventDraft, outcomeForStatus } from '../../domain/audit/index.ts';
import { uuidv7 } from '../../domain/ids.ts';
import type { RequestContext } from '../context.ts';
import type { GatewayPipelineDeps } from './deps.ts';
import { settleRequest } from './settle.ts';

/** nginx's convention for "client closed the request before the response was complete". */
export const CLIENT_CLOSED_STATUS = 499;

function buildDraft(
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
    }),
    latency_ms: Number(process.hrtime.bigint() - context.startedAt) / 1e6,
    authz: context.authz,
    upstream: context.upstream,
    usage: context.usage,
    error_code: context.errorCode,
    meta: context.meta ?? {},
  };
}

async function settleAndRecord(deps: GatewayPipelineDeps, request: FastifyRequest, status: number): Promise<void> {
  const context = request.gh;
  await settleRequest(deps, context, request.log);
  deps.audit.enqueue(buildDraft(deps, context, request.method, context.aborted ? CLIENT_CLOSED_STATUS : status));
}

/** Exactly one audit event per request (DESIGN §2 invariant 2): whichever of finish or abort comes first writes it. */
function recordOnce(deps: GatewayPipelineDeps, request: FastifyRequest, status: number): void {
  const context = request.gh;
  if (context === null || context.audited) return;
  context.audited = true;
  settleAndRecord(deps, request, status).catch((error) =>
    request.log.error({ err: error, request_id: request.id }, 'audit failed'),
  );
}

export function auditResponse(
  this: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  done: () => void,
): void {
  recordOnce(this.gatehouse, request, reply.statusCode);
  done();
}

export function auditAbort(this: FastifyInstance, request: FastifyRequest, done: () => void): void {
  if (request.gh !== null) request.gh.aborted = true;
  recordOnce(this.gatehouse, request, CLIENT_CLOSED_STATUS);
  done();
}

/**
 * A client that disconnects mid-response fires neither hook above: the response never emits 'finish' (so no
 * onResponse) and, the request body being complete, `req.aborted` stays false (so no onRequestAbort). The
 * response's 'close' is then the only signal; without it the request would get no audit event and its admission
 * would never settle (a concurrency slot held until its lease expires).
 */
const kWatched = Symbol('gatehouse.watchedRequest');

type WatchedResponse = FastifyReply['raw'] & { [kWatched]?: FastifyRequest };

/** Module-level so no closure is allocated per request: the request rides on its response object. */
function recordUnfinished(this: WatchedResponse): void {
  const request = this[kWatched];
  if (!request || this.writableFinished || request.gh === null) return;
  request.gh.aborted = true;
  recordOnce(request.server.gatehouse, request, CLIENT_CLOSED_STATUS);
}

export function watchResponseClose(request: FastifyRequest, reply: FastifyReply): void {
  const raw = reply.raw as WatchedResponse;
  raw[kWatched] = request;
  raw.once('close', recordUnfinished);
}
