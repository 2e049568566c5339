import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { RequestContext } from '../context.ts';
import { applyCors } from '../cors.ts';
import { admitRequest } from './admit.ts';
import { auditAbort, auditResponse, watchResponse } from './audit.ts';
import { authorizeRequest } from './authorize.ts';
import type { GatewayPipelineDeps } from './deps.ts';
import { forwardTrace, identifyRequest, startRequest, traceRequest } from './identify.ts';

/**
 * Runs before the body is read, so an unauthenticated or unauthorized caller never gets one parsed. The stages
 * share one hook: Fastify's hook iteration costs about as much per hook as a short stage does.
 */
async function enterPipeline(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  startRequest(request, reply);
  if (this.gatehouse.tracer !== null) traceRequest(this.gatehouse.tracer, request, reply);
  else forwardTrace(request);
  watchResponse(request, reply);
  const cors = this.gatehouse.cors ?? null;
  // A preflight it answered ends here: hooks after a hijacked reply, and the handler, do not run.
  if (cors !== null && applyCors(cors, request, reply)) return;
  await identifyRequest(this.gatehouse, request);
  request.gh.trace?.endStage('identify');
  const resolving = authorizeRequest(this.gatehouse, request);
  if (resolving !== undefined) await resolving;
  request.gh.trace?.endStage('authorize');
}

/**
 * The pipeline, in its one fixed order (DESIGN §1):
 *   onRequest:  startRequest → traceRequest (or forwardTrace) → watchResponse → applyCors → identifyRequest
 *               → authorizeRequest
 *   preHandler: buildCall → admitRequest          (after body parsing: the route's typed call, then admission)
 *   handler
 *   res.end (the last bytes): measure → audit → hold until the event and ledger delta are durable → end → settle
 *   onResponse / onRequestAbort: the same without a hold, when no end was held (exactly one event per request)
 *   response 'close' before 'finish' (client gone mid-response): the same, marked aborted
 * Registered at the root through fastify-plugin so every route, and the 404 handler, runs it.
 */
async function pipeline(app: FastifyInstance, deps: GatewayPipelineDeps): Promise<void> {
  app.decorate('gatehouse', deps);
  // null until startRequest assigns it: decorating with a reference value would share one object across requests.
  app.decorateRequest('gh', null as unknown as RequestContext);
  app.addHook('onRequest', enterPipeline);
  app.addHook('preHandler', admitRequest);
  app.addHook('onResponse', auditResponse);
  app.addHook('onRequestAbort', auditAbort);
}

export const pipelinePlugin = fp(pipeline, { name: 'gatehouse-pipeline', fastify: '5.x' });

export { formatResetDuration, refusalError, writeRateHeaders } from './admission-errors.ts';
export { CLIENT_CLOSED_STATUS } from './audit.ts';
export { denialError } from './authorize.ts';
export type { GatewayPipelineDeps, PipelineMetrics } from './deps.ts';
export { checkCsrf, parseBearer, refuseAuthentication } from './identify.ts';
export type { Authenticator, AuthFailureCode, Authorizer, SessionAuthenticator } from './types.ts';
