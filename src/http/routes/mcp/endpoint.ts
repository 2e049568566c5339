/**
 * @module The MCP endpoints, both protocol eras on each: `/mcp` (every server the caller's policy reaches,
 * namespaced), `/mcp/servers/{id}` (one server, its own names) and `/mcp/virtual/{name}` (a configured subset).
 * The route checks Origin and Host, authorizes `tools/call` against `mcp.tools.call`, adapts the Fastify request
 * to the edge's exchange, and records what the request did in its one audit event once the edge is done (the
 * audit waits on `context.pending`, as streamed LLM calls do). The protocol itself is `src/mcp/edge`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkOriginAndHost, type OriginPolicy } from '../../../domain/mcp/index.ts';
import {
  type EdgeOutcome,
  type EdgeRequest,
  type EdgeResponder,
  INVALID_JSON,
  McpEdge,
  McpFailure,
  type McpService,
  type McpSharedState,
  McpView,
  NodeSseStream,
  withUpstreamTrace,
} from '../../../mcp/index.ts';
import { httpError } from '../../errors.ts';
import { exceedsJsonDepth, jsonTooDeep } from '../../json-body.ts';
import { denialError } from '../../pipeline/index.ts';
import type { Surface } from '../../surfaces.ts';
import { JsonRpcMessage, TransportAnswer } from './answers.ts';
import { recordTrace, toRpcError } from './failures.ts';

export interface McpEndpointOptions {
  service: McpService;
  originPolicy: OriginPolicy;
  state: McpSharedState;
}

/** JSON-RPC 2.0 §5.1 parse error, before JSON.parse and the edge (whose recursion a deep body would overflow) see it. */
function tooDeep(reply: FastifyReply, context: FastifyRequest['gh'], limit: number) {
  const error = jsonTooDeep(limit);
  context.errorCode = error.code;
  return reply
    .code(400)
    .send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: error.message, data: { code: error.code } } });
}

/** The endpoint's surface as a tool call sees it: one object per surface, so the authorizer can keep its decision. */
const toolCallSurfaces = new WeakMap<Surface, Surface>();

function toolCallSurface(surface: Surface): Surface {
  let derived = toolCallSurfaces.get(surface);
  if (derived === undefined) {
    derived = { ...surface, permissions: ['mcp.tools.call'] };
    toolCallSurfaces.set(surface, derived);
  }
  return derived;
}

function authorizeToolCall(app: FastifyInstance, request: FastifyRequest): void {
  const context = request.gh;
  const principal = context.principal;
  if (principal === null) throw httpError('permission_denied', { permission: 'mcp.tools.call' });
  const decision = app.gatehouse.authorizer.authorize(principal, toolCallSurface(context.surface), request);
  app.gatehouse.metrics.countAuthz(context.surface.id, 'mcp.tools.call', decision.decision);
  if (decision.decision !== 'allow') {
    context.authz = decision;
    throw denialError(decision, ['mcp.tools.call']);
  }
}

function parseBody(request: FastifyRequest): unknown {
  if (request.method !== 'POST') return undefined;
  const raw = typeof request.body === 'string' ? request.body : '';
  try {
    return JSON.parse(raw);
  } catch {
    return INVALID_JSON;
  }
}

function edgeRequest(request: FastifyRequest, reply: FastifyReply, body: unknown): EdgeRequest {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return {
    method: request.method,
    body,
    signal: controller.signal,
    outbound: request.gh.outbound,
    header(name) {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    },
  };
}

function responder(reply: FastifyReply): EdgeResponder {
  let started = false;
  return {
    get started() {
      return started;
    },
    json(status, body, headers = {}) {
      started = true;
      reply.code(status).headers(headers).type('application/json').send(JSON.stringify(body));
    },
    empty(status, headers = {}) {
      started = true;
      reply.code(status).headers(headers).send();
    },
    sse(headers = {}) {
      started = true;
      reply.hijack();
      const merged: Record<string, string | number | string[]> = {};
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) merged[name] = value;
      return new NodeSseStream(reply.raw, { ...merged, ...headers });
    },
  };
}

function bodyMethods(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages
    .map((message) => (message as { method?: unknown } | null)?.method)
    .filter((method): method is string => typeof method === 'string');
}

/** Audit meta of what the edge did; refusals by policy or capability are recorded as authorization denials. */
function recordOutcome(request: FastifyRequest, service: McpService, outcome: EdgeOutcome): void {
  const context = request.gh;
  if (outcome.method !== null) context.setMeta('mcp_method', outcome.method);
  if (outcome.session !== null) context.setMeta('session', outcome.session);
  if (outcome.protocolVersion !== null) context.setMeta('protocol_version', outcome.protocolVersion);
  const scope = outcome.scope;
  if (scope !== null) {
    recordTrace(context, scope.trace);
    if (scope.notice !== null) {
      context.setMeta('notice', scope.notice);
      if (service.firstNotice(context.principal?.teamId ?? null, scope.notice)) {
        request.log.warn({ team: context.principal?.teamId ?? null, notice: scope.notice }, 'mcp list empty by policy');
      }
    }
  }
  const failure = outcome.failure ?? scope?.failure;
  if (failure instanceof McpFailure) {
    context.errorCode = failure.code;
    if (
      failure.code.startsWith('capability_') ||
      failure.code === 'tool_not_allowed' ||
      failure.code === 'tool_arguments_denied' ||
      failure.code === 'mcp_method_not_allowed'
    ) {
      context.authz = {
        decision: 'deny',
        permission: 'mcp.tools.call',
        scope: context.authz?.scope ?? null,
        binding_id: null,
        reason: failure.code,
      };
    }
  }
}

class Completion {
  resolve!: () => void;
  readonly promise = new Promise<void>((resolve) => {
    this.resolve = resolve;
  });
}

/** The caller's OIDC access token, for token exchange; a virtual key is never handed on. */
function subjectToken(request: FastifyRequest): string | null {
  if (request.gh.principal?.type !== 'jwt') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return match?.[1] ?? null;
}

async function viewFor(service: McpService, request: FastifyRequest): Promise<{ view: McpView; endpoint: string }> {
  const params = request.params as { server?: string; name?: string };
  if (params.server !== undefined) {
    if (!service.registry.server(params.server)) throw httpError('mcp_server_not_found', { server: params.server });
    return { view: McpView.server(params.server), endpoint: `/mcp/servers/${params.server}` };
  }
  if (params.name !== undefined) {
    const view = await service.virtualServers.view(params.name);
    if (view === null) throw httpError('mcp_server_not_found', { server: params.name });
    return { view, endpoint: `/mcp/virtual/${params.name}` };
  }
  return { view: McpView.aggregate(), endpoint: '/mcp' };
}

export async function mcpEndpointRoutes(app: FastifyInstance, options: McpEndpointOptions): Promise<void> {
  const { service } = options;
  const edge = new McpEdge(service, toRpcError, (key, ttlMs) => options.state.consumeOnce(key, ttlMs));
  app.addHook('onClose', async function closeEdge() {
    edge.close();
  });
  // Raw bodies in this context only: a malformed JSON-RPC body must get a JSON-RPC error (-32700), not a catalog one.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.addHook('onRequest', async function checkOrigin(request) {
    const verdict = checkOriginAndHost(options.originPolicy, request.headers.host, request.headers.origin);
    if (!verdict.ok)
      throw httpError('mcp_origin_not_allowed', { reason: verdict.reason === 'host' ? 'Host' : 'Origin' });
  });

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const context = request.gh;
    const principal = context.principal;
    if (principal === null) throw httpError('missing_api_key');
    const { view, endpoint } = await viewFor(service, request);
    if (request.method === 'POST' && exceedsJsonDepth(String(request.body ?? ''), app.jsonMaxDepth))
      return tooDeep(reply, context, app.jsonMaxDepth);
    const body = parseBody(request);
    if (bodyMethods(body).includes('tools/call')) authorizeToolCall(app, request);
    const completion = new Completion();
    context.pending = completion.promise;
    const outcome = edge.newOutcome();
    const capability = request.headers['x-gatehouse-capability'];
    try {
      await withUpstreamTrace(context.outbound, () =>
        service.withSubjectToken(subjectToken(request), () =>
          edge.handle(
            {
              request: edgeRequest(request, reply, body),
              respond: responder(reply),
              principal,
              view,
              endpoint,
              capabilityHeader: typeof capability === 'string' ? capability : null,
            },
            outcome,
          ),
        ),
      );
    } finally {
      recordOutcome(request, service, outcome);
      completion.resolve();
    }
    return reply;
  }

  for (const [prefix, surface] of [
    ['/mcp', 'mcp.endpoint'],
    ['/mcp/servers/:server', 'mcp.server.endpoint'],
    ['/mcp/virtual/:name', 'mcp.virtual.endpoint'],
  ] as const) {
    const schema = { response: { 200: TransportAnswer } };
    // The body is documented from here only: the endpoint reads and checks JSON-RPC itself, in either era.
    app.post(prefix, { config: { surface, body: JsonRpcMessage }, schema }, handle);
    app.get(prefix, { config: { surface: `${surface}.stream` }, schema }, handle);
    app.delete(prefix, { config: { surface: `${surface}.delete` }, schema }, handle);
  }
}
