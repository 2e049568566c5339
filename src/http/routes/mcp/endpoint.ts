/**
 * @module `POST|GET|DELETE /mcp`: the aggregated MCP endpoint (streamable HTTP, MCP 2025-03-26 … 2025-11-25).
 *
 * Each POST gets a fresh SDK `Server` and stateless transport in JSON-response mode; the session lives in a
 * sealed `Mcp-Session-Id` minted on `initialize`, so any instance serves any session, across restarts. The
 * body is parsed here (raw, so malformed JSON reaches the SDK and gets JSON-RPC -32700 instead of a catalog
 * 400), read for the audit event and the `tools/call` permission check, then handed to the SDK parsed.
 * JSON-RPC error bodies are the protocol's own shape; HTTP-level refusals (auth, permission, Origin) still
 * use the error catalog.
 */
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkOriginAndHost, type OriginPolicy } from '../../../domain/mcp/index.ts';
import type { McpService } from '../../../mcp/index.ts';
import { httpError } from '../../errors.ts';
import { exceedsJsonDepth, jsonTooDeep } from '../../json-body.ts';
import { denialError } from '../../pipeline/index.ts';
import type { Surface } from '../../surfaces.ts';
import { createAggregateServer, EndpointCall } from './aggregate-server.ts';
import { recordTrace } from './failures.ts';

export interface McpEndpointOptions {
  service: McpService;
  originPolicy: OriginPolicy;
}

const SESSION_HEADER = 'mcp-session-id';

function readMethods(parsed: unknown): string[] {
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  const methods: string[] = [];
  for (const message of messages) {
    const method = (message as { method?: unknown } | null)?.method;
    if (typeof method === 'string') methods.push(method);
  }
  return methods;
}

function toWebRequest(request: FastifyRequest, body: string | undefined): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return new Request(`http://gatehouse.internal${request.url}`, { method: request.method, headers, body });
}

function sessionNotFound(reply: FastifyReply) {
  // MCP 2025-11-25 transports §Session Management: an unknown session gets 404, and the client re-initializes.
  return reply.code(404).send({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } });
}

/** JSON-RPC 2.0 §5.1 parse error, before the SDK (whose recursion a deep body would overflow) sees the body. */
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

function extractProtocolVersion(text: string): string | null {
  try {
    const version = (JSON.parse(text) as { result?: { protocolVersion?: unknown } }).result?.protocolVersion;
    return typeof version === 'string' ? version : null;
  } catch {
    return null;
  }
}

async function handlePost(
  app: FastifyInstance,
  options: McpEndpointOptions,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const context = request.gh;
  const principal = context.principal;
  if (principal === null) throw httpError('missing_api_key');
  const raw = typeof request.body === 'string' ? request.body : '';
  if (exceedsJsonDepth(raw, app.jsonMaxDepth)) return tooDeep(reply, context, app.jsonMaxDepth);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const methods = readMethods(parsed);
  context.setMeta('mcp_method', methods.join(',') || null);
  if (methods.includes('tools/call')) authorizeToolCall(app, request);
  const initializing = methods.includes('initialize');
  const sessionId = request.headers[SESSION_HEADER];
  if (typeof sessionId === 'string' && !initializing) {
    const session = options.service.sessions.open(sessionId);
    if (session === null || session.principalId !== principal.id) return sessionNotFound(reply);
    context.setMeta('session', 'resumed');
    context.setMeta('protocol_version', session.protocolVersion);
  }

  const capabilityHeader = request.headers['x-gatehouse-capability'];
  const call = new EndpointCall(principal, typeof capabilityHeader === 'string' ? capabilityHeader : null);
  const server = createAggregateServer(options.service, call);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  try {
    await server.connect(transport);
    const webRequest = toWebRequest(request, parsed === undefined ? raw : undefined);
    const response = await transport.handleRequest(
      webRequest,
      parsed === undefined ? undefined : { parsedBody: parsed },
    );
    const text = await response.text();
    reply.code(response.status);
    for (const [name, value] of response.headers) {
      if (name !== 'content-length' && name !== SESSION_HEADER) reply.header(name, value);
    }
    if (initializing && response.status === 200) {
      const protocolVersion = extractProtocolVersion(text);
      if (protocolVersion !== null) {
        reply.header(
          SESSION_HEADER,
          options.service.sessions.seal({ principalId: principal.id, protocolVersion, issuedAt: Date.now() }),
        );
        context.setMeta('session', 'new');
        context.setMeta('protocol_version', protocolVersion);
      }
    }
    recordTrace(context, call.trace);
    if (call.failure !== null) {
      context.errorCode = call.failure.code;
      if (
        call.failure.code.startsWith('capability_') ||
        call.failure.code.startsWith('tool_not_allowed') ||
        call.failure.code === 'tool_arguments_denied'
      ) {
        context.authz = {
          decision: 'deny',
          permission: 'mcp.tools.call',
          scope: context.authz?.scope ?? null,
          binding_id: null,
          reason: call.failure.code,
        };
      }
    }
    return reply.send(text.length > 0 ? text : null);
  } finally {
    await server.close().catch(() => {});
  }
}

export async function mcpEndpointRoutes(app: FastifyInstance, options: McpEndpointOptions): Promise<void> {
  // Raw bodies in this context only: a malformed JSON-RPC body must get a JSON-RPC error (-32700), not a catalog one.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.addHook('onRequest', async function checkOrigin(request) {
    const verdict = checkOriginAndHost(options.originPolicy, request.headers.host, request.headers.origin);
    if (!verdict.ok)
      throw httpError('mcp_origin_not_allowed', { reason: verdict.reason === 'host' ? 'Host' : 'Origin' });
  });

  app.post('/mcp', { config: { surface: 'mcp.endpoint' } }, (request, reply) =>
    handlePost(app, options, request, reply),
  );

  app.get('/mcp', { config: { surface: 'mcp.endpoint.stream' } }, async (_request, reply) => {
    reply.header('allow', 'POST, DELETE');
    throw httpError('method_not_allowed', { method: 'GET', allow: 'POST' });
  });

  app.delete('/mcp', { config: { surface: 'mcp.endpoint.delete' } }, async (request, reply) => {
    const sessionId = request.headers[SESSION_HEADER];
    const session = typeof sessionId === 'string' ? options.service.sessions.open(sessionId) : null;
    if (session === null || session.principalId !== request.gh.principal?.id) return sessionNotFound(reply);
    request.gh.setMeta('session', 'ended');
    return reply.code(204).send();
  });
}
