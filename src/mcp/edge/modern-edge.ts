/**
 * @module The 2026-07-28 era of an MCP endpoint: stateless POSTs whose protocol version and client capabilities
 * travel in `_meta`, validated against the `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` headers before
 * anything runs (the SDK's own classifier, so the ladder's status and error codes are the revision's). Answers
 * `server/discover` and `subscriptions/listen` itself; relays everything else through the dispatcher, upgrading to
 * SSE when progress or log messages come before the result. An upstream's `input_required` result is passed on
 * with the upstream's `requestState` sealed inside the gateway's own; a 2025 upstream's request for client input
 * suspends the call and is passed on the same way.
 */
import type { InboundModernRoute } from '@modelcontextprotocol/server';
import type { Principal } from '../../domain/principal.ts';
import { McpFailure, RpcError, UpstreamRpcError } from '../errors.ts';
import type { McpService } from '../service.ts';
import type { McpView } from '../views.ts';
import {
  type CallSinks,
  type InputRequestSpec,
  isInputRequired,
  isObject,
  type JsonObject,
  LEGACY_VERSIONS,
  META,
  MODERN_VERSION,
  meetsLogLevel,
  type RequestId,
} from '../wire.ts';
import {
  createScope,
  dispatch,
  endpointCapabilities,
  instructionsFor,
  METHOD_NOT_FOUND,
  SERVER_INFO,
} from './dispatch.ts';
import type { EdgeRequest, EdgeResponder, SseStream } from './exchange.ts';
import type { LegacyOutcome } from './legacy-edge.ts';
import { checkParamHeaders } from './param-headers.ts';
import { REQUEST_STATE_TTL_MS, type RequestStateBinding, type RequestStateSealer } from './request-state.ts';
import { type ErrorRenderer, rpcError } from './rpc.ts';
import { REMOVED_METHODS } from './standard-headers.ts';
import { type CallEvent, SuspendableCall, type SuspendedCalls } from './suspended-calls.ts';

/** Lists and reads carry cache hints (SEP-2549); what a gateway shows depends on the caller's policy. */
const CACHEABLE = ['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read'];
const CACHE_HINT = { ttlMs: 0, cacheScope: 'private' } as const;
/** -32021 MissingRequiredClientCapability is the one relayed error the revision answers with 400. */
const MISSING_CAPABILITY = -32021;

export interface ModernEdgeOptions {
  service: McpService;
  render: ErrorRenderer;
  states: RequestStateSealer;
  suspended: SuspendedCalls;
  /** Consumes a request-state nonce once across instances (shared state). */
  consumeOnce(key: string, ttlMs: number): Promise<boolean>;
}

export interface ModernExchange {
  request: EdgeRequest;
  respond: EdgeResponder;
  principal: Principal;
  view: McpView;
  endpoint: string;
  capabilityHeader: string | null;
}

type ModernRequest = Extract<InboundModernRoute, { messageKind: 'request' }>['message'];

function targetOf(method: string, params: JsonObject): string {
  if (method === 'completion/complete' && isObject(params.ref)) return String(params.ref.name ?? params.ref.uri ?? '');
  return String(params.name ?? params.uri ?? '');
}

/** The response of one leg: JSON until something must be streamed first, then SSE. */
class Leg {
  private stream: SseStream | null = null;
  private readonly exchange: ModernExchange;

  constructor(exchange: ModernExchange) {
    this.exchange = exchange;
  }

  notify(message: JsonObject): void {
    this.stream ??= this.exchange.respond.sse();
    this.stream.send(message);
  }

  finish(id: RequestId, reply: { result: JsonObject } | { error: { code: number; message: string; data?: unknown } }) {
    const body = { jsonrpc: '2.0', id, ...reply };
    if (this.stream !== null) {
      this.stream.send(body);
      this.stream.end();
      return;
    }
    const status = 'error' in reply && reply.error.code === MISSING_CAPABILITY ? 400 : 200;
    this.exchange.respond.json(status, body);
  }
}

function discover(exchange: ModernExchange, id: RequestId, leg: Leg) {
  leg.finish(id, {
    result: {
      resultType: 'complete',
      supportedVersions: [MODERN_VERSION, ...LEGACY_VERSIONS],
      capabilities: endpointCapabilities('modern'),
      instructions: instructionsFor(exchange.view),
      _meta: { [META.serverInfo]: SERVER_INFO },
      ...CACHE_HINT,
    },
  });
}

function listen(options: ModernEdgeOptions, exchange: ModernExchange, message: ModernRequest) {
  const params = isObject(message.params) ? message.params : {};
  const filter = isObject(params.notifications) ? params.notifications : {};
  const honored: JsonObject = {};
  for (const key of ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged'] as const) {
    if (filter[key] === true) honored[key] = true;
  }
  const uris = Array.isArray(filter.resourceSubscriptions)
    ? filter.resourceSubscriptions.filter((uri): uri is string => typeof uri === 'string')
    : [];
  if (uris.length > 0) honored.resourceSubscriptions = uris;
  const stream = exchange.respond.sse();
  const tag = { [META.subscriptionId]: message.id };
  stream.send({
    jsonrpc: '2.0',
    method: 'notifications/subscriptions/acknowledged',
    params: { notifications: honored, _meta: tag },
  });
  const kinds: Record<string, string> = {
    tools: 'toolsListChanged',
    prompts: 'promptsListChanged',
    resources: 'resourcesListChanged',
  };
  const detach = options.service.onCatalogEvent((event) => {
    if (!exchange.view.includesServer(event.server)) return;
    if (event.kind === 'resource') {
      const exposed = exchange.view.exposedUri(event.server, event.uri);
      if (!uris.includes(exposed)) return;
      stream.send({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: exposed, _meta: tag } });
      return;
    }
    const flag = kinds[event.kind];
    if (flag !== undefined && honored[flag] === true) {
      stream.send({ jsonrpc: '2.0', method: `notifications/${event.kind}/list_changed`, params: { _meta: tag } });
    }
  });
  stream.onClose(detach);
}

/** Runs (or resumes) the call and answers this leg with its next event. */
async function answer(
  options: ModernEdgeOptions,
  exchange: ModernExchange,
  message: ModernRequest,
  call: SuspendableCall,
  leg: Leg,
  outcome: LegacyOutcome,
) {
  const event: CallEvent = await call.next();
  const params = isObject(message.params) ? message.params : {};
  const binding: RequestStateBinding = {
    principalId: exchange.principal.id,
    endpoint: exchange.endpoint,
    method: message.method,
    target: targetOf(message.method, params),
  };
  if (event.type === 'error') {
    outcome.failure = event.error;
    // The gateway's own "no such method" is a ladder answer (404); an upstream's is relayed in-band.
    const { error } = event;
    if (error instanceof RpcError && !(error instanceof UpstreamRpcError) && error.code === METHOD_NOT_FOUND) {
      return exchange.respond.json(404, rpcError(message.id, METHOD_NOT_FOUND, error.message));
    }
    return leg.finish(message.id, { error: options.render(event.error) });
  }
  if (event.type === 'ask') {
    options.suspended.park(call);
    return leg.finish(message.id, {
      result: {
        resultType: 'input_required',
        inputRequests: event.requests,
        requestState: options.states.seal(binding, { kind: 'suspended', id: call.id }),
      },
    });
  }
  const result = event.result;
  if (isInputRequired(result)) {
    const upstreamState = typeof result.requestState === 'string' ? result.requestState : null;
    return leg.finish(message.id, {
      result: { ...result, requestState: options.states.seal(binding, { kind: 'upstream', state: upstreamState }) },
    });
  }
  const complete: JsonObject = { ...result, resultType: 'complete' };
  if (CACHEABLE.includes(message.method)) Object.assign(complete, CACHE_HINT);
  leg.finish(message.id, { result: complete });
}

function sinksFor(leg: Leg, params: JsonObject, channel: CallSinks['channel'], signal: AbortSignal) {
  const meta = isObject(params._meta) ? params._meta : {};
  const token = meta.progressToken;
  const logLevel = meta[META.logLevel];
  const sinks: CallSinks = {
    signal,
    progress:
      token === undefined
        ? null
        : (progress) =>
            leg.notify({
              jsonrpc: '2.0',
              method: 'notifications/progress',
              params: { ...progress, progressToken: token },
            }),
    // 2026-07-28: log messages go only to a request that asked for them (`_meta` logLevel).
    log:
      logLevel === undefined
        ? null
        : (log) => {
            if (meetsLogLevel(log.level, logLevel))
              leg.notify({ jsonrpc: '2.0', method: 'notifications/message', params: log });
          },
    channel,
  };
  return sinks;
}

export async function handleModernRequest(
  options: ModernEdgeOptions,
  exchange: ModernExchange,
  message: ModernRequest,
  outcome: LegacyOutcome,
): Promise<void> {
  const params: JsonObject = isObject(message.params) ? { ...message.params } : {};
  outcome.method = message.method;
  outcome.protocolVersion = MODERN_VERSION;
  const leg = new Leg(exchange);
  if (message.method === 'server/discover') return discover(exchange, message.id, leg);
  if (REMOVED_METHODS.includes(message.method)) {
    return exchange.respond.json(404, rpcError(message.id, METHOD_NOT_FOUND, `Method not found: ${message.method}`));
  }
  if (message.method === 'subscriptions/listen') return listen(options, exchange, message);
  const mismatch = message.method === 'tools/call' ? await checkParamHeaders(options.service, exchange, params) : null;
  if (mismatch !== null)
    return exchange.respond.json(400, rpcError(message.id, mismatch.code, mismatch.message, mismatch.data));
  const scope = createScope(exchange, 'modern', options.render);
  outcome.scope = scope;
  const meta = isObject(params._meta) ? params._meta : {};
  const declared = meta[META.clientCapabilities];
  const capabilities: JsonObject = isObject(declared) ? declared : {};
  // The client's own capabilities go upstream with the request, so a 2026 server asks only for what it can answer.
  params._meta = { ...meta, [META.clientCapabilities]: capabilities };
  if (typeof params.requestState === 'string') {
    const binding = {
      principalId: exchange.principal.id,
      endpoint: exchange.endpoint,
      method: message.method,
      target: targetOf(message.method, params),
    };
    const opened = options.states.open(params.requestState, binding);
    const fresh =
      typeof opened === 'object' && (await options.consumeOnce(`mcp:rs:${opened.nonce}`, REQUEST_STATE_TTL_MS));
    if (typeof opened === 'string' || !fresh) {
      const detail = typeof opened === 'string' ? opened : 'already used';
      outcome.failure = new McpFailure('mcp_request_state_invalid', { detail });
      return leg.finish(message.id, { error: options.render(outcome.failure) });
    }
    if (opened.inner.kind === 'suspended') {
      const call = options.suspended.take(opened.inner.id);
      const answers = isObject(params.inputResponses) ? params.inputResponses : {};
      if (call === null || !call.supply(answers)) {
        outcome.failure = new McpFailure('mcp_request_state_invalid', { detail: 'the suspended call is gone' });
        return leg.finish(message.id, { error: options.render(outcome.failure) });
      }
      return answer(options, exchange, message, call, leg, outcome);
    }
    if (opened.inner.state === null) delete params.requestState;
    else params.requestState = opened.inner.state;
  }
  const call = new SuspendableCall();
  call.start((ask) =>
    dispatch(
      options.service,
      scope,
      message.method,
      params,
      sinksFor(
        leg,
        params,
        { capabilities, ask: (requests: Record<string, InputRequestSpec>) => ask(requests) },
        call.abort.signal,
      ),
    ),
  );
  exchange.request.signal.addEventListener('abort', () => {
    // 2026-07-28: closing the response stream is cancellation, unless the call is parked waiting for input.
    call.abort.abort();
  });
  return answer(options, exchange, message, call, leg, outcome);
}
