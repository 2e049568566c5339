/**
 * @module The MCP endpoint's protocol edge, both eras on one URL: each POST is classified by the SDK's own inbound
 * classifier (a `_meta` envelope claim means 2026-07-28, anything else is a 2025 session message) and handed to
 * the era's adapter; GET and DELETE are 2025 session operations. The route supplies the caller, the view and an
 * HTTP exchange; this module knows no web framework.
 */
import { classifyInboundRequest } from '@modelcontextprotocol/server';
import type { Principal } from '../../domain/principal.ts';
import type { McpService } from '../service.ts';
import type { McpView } from '../views.ts';
import { isObject, MODERN_VERSION } from '../wire.ts';
import type { EdgeRequest, EdgeResponder } from './exchange.ts';
import { INVALID_JSON } from './exchange.ts';
import {
  handleLegacyDelete,
  handleLegacyGet,
  handleLegacyPost,
  type LegacyEdgeOptions,
  type LegacyOutcome,
} from './legacy-edge.ts';
import { LegacySessions } from './legacy-sessions.ts';
import { handleModernRequest, type ModernEdgeOptions } from './modern-edge.ts';
import { RequestStateSealer } from './request-state.ts';
import { type ErrorRenderer, rpcError } from './rpc.ts';
import { checkClaimedVersion, checkStandardHeaders } from './standard-headers.ts';
import { SuspendedCalls } from './suspended-calls.ts';

export interface EdgeExchange {
  request: EdgeRequest;
  respond: EdgeResponder;
  principal: Principal;
  view: McpView;
  /** The endpoint path sessions and request states are bound to. */
  endpoint: string;
  capabilityHeader: string | null;
}

export class McpEdge {
  private readonly legacy: LegacyEdgeOptions;
  private readonly modern: ModernEdgeOptions;
  private readonly sessions = new LegacySessions();
  private readonly suspended = new SuspendedCalls();

  constructor(service: McpService, render: ErrorRenderer, consumeOnce: ModernEdgeOptions['consumeOnce']) {
    this.legacy = { service, sessions: this.sessions, render };
    this.modern = {
      service,
      render,
      states: new RequestStateSealer(service.sessions.secret),
      suspended: this.suspended,
      consumeOnce,
    };
  }

  newOutcome(): LegacyOutcome {
    return { scope: null, method: null, session: null, protocolVersion: null, failure: null };
  }

  async handle(exchange: EdgeExchange, outcome: LegacyOutcome): Promise<void> {
    const { request } = exchange;
    if (request.method === 'GET' || request.method === 'DELETE') {
      // 2026-07-28 has no session operations: GET and DELETE answer 405 (transports §Streamable HTTP).
      if (request.header('mcp-protocol-version') === MODERN_VERSION) {
        return exchange.respond.json(405, rpcError(null, -32000, 'Method not allowed.'), { allow: 'POST' });
      }
      return request.method === 'GET'
        ? handleLegacyGet(this.legacy, exchange, outcome)
        : handleLegacyDelete(this.legacy, exchange, outcome);
    }
    // Unparseable bodies get -32700 whatever the era (JSON-RPC 2.0 §5.1).
    if (request.body === INVALID_JSON) return handleLegacyPost(this.legacy, exchange, outcome);
    const body = request.body;
    const route = classifyInboundRequest({
      httpMethod: request.method,
      protocolVersionHeader: request.header('mcp-protocol-version'),
      mcpMethodHeader: request.header('mcp-method'),
      mcpNameHeader: request.header('mcp-name'),
      body,
    });
    if (route.kind === 'legacy') return handleLegacyPost(this.legacy, exchange, outcome);
    if (route.kind === 'reject') {
      const id = isObject(body) && (typeof body.id === 'string' || typeof body.id === 'number') ? body.id : null;
      outcome.method = isObject(body) && typeof body.method === 'string' ? body.method : null;
      outcome.protocolVersion = MODERN_VERSION;
      return exchange.respond.json(route.httpStatus, rpcError(id, route.code, route.message, route.data));
    }
    const refusal =
      checkClaimedVersion(route.classification.revision) ??
      (route.messageKind === 'request'
        ? checkStandardHeaders(request, route.message.method, route.message.params)
        : null);
    if (refusal !== null) {
      const id = route.messageKind === 'request' ? route.message.id : null;
      outcome.method = route.message.method;
      outcome.protocolVersion = MODERN_VERSION;
      return exchange.respond.json(400, rpcError(id, refusal.code, refusal.message, refusal.data));
    }
    if (route.messageKind === 'notification') {
      outcome.method = route.message.method;
      outcome.protocolVersion = MODERN_VERSION;
      return exchange.respond.empty(202);
    }
    return handleModernRequest(this.modern, exchange, route.message, outcome);
  }

  close(): void {
    this.sessions.close();
    this.suspended.close();
  }
}

export { CAPABILITY_META_KEY } from './dispatch.ts';
export type { EdgeRequest, EdgeResponder, SseStream } from './exchange.ts';
export { INVALID_JSON, NodeSseStream } from './exchange.ts';
export type { LegacyOutcome as EdgeOutcome } from './legacy-edge.ts';
export { SESSION_HEADER } from './legacy-edge.ts';
export type { ErrorRenderer, RpcErrorObject } from './rpc.ts';
