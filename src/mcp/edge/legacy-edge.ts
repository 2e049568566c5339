/**
 * @module The 2025 era of an MCP endpoint (protocol 2025-03-26 … 2025-11-25, streamable HTTP with sessions).
 * `initialize` mints a sealed session id bound to the caller and the endpoint; each request runs through the
 * dispatcher and is answered with JSON, or with an SSE stream as soon as the call has something to say first
 * (progress, log messages, a server's request for sampling, elicitation or roots, sent to the client on the call's
 * own stream, whose answer the client POSTs back). A 2026 upstream's `input_required` result becomes such
 * requests too. GET opens the server-to-client stream (list changes, resource updates), or resumes it or a
 * response stream with `Last-Event-ID`; DELETE ends the session.
 */
import { RpcError } from '../errors.ts';
import type { McpService } from '../service.ts';
import type { McpSession } from '../session.ts';
import type { McpView } from '../views.ts';
import {
  type CallSinks,
  type ClientInputChannel,
  type InputRequestSpec,
  isInputRequired,
  isObject,
  type JsonObject,
  LEGACY_VERSIONS,
  meetsLogLevel,
  type RequestId,
} from '../wire.ts';
import {
  createScope,
  dispatch,
  endpointCapabilities,
  instructionsFor,
  type RelayScope,
  SERVER_INFO,
} from './dispatch.ts';
import { type EdgeRequest, type EdgeResponder, INVALID_JSON, type SseStream } from './exchange.ts';
import { isEventId, LegacySessionState, type LegacySessions, type ResumableStream } from './legacy-sessions.ts';
import { type ErrorRenderer, rpcError } from './rpc.ts';

export const SESSION_HEADER = 'mcp-session-id';
const LATEST_LEGACY = LEGACY_VERSIONS[0];
/** How long the client has to answer a relayed sampling/elicitation/roots request. */
const ASK_TIMEOUT_MS = 5 * 60_000;
/** Rounds of a 2026 upstream's `input_required` answered on a 2025 session before giving up. */
const MAX_INPUT_ROUNDS = 10;
/** The reconnection delay announced on response streams (SEP-1699). */
const RETRY_MS = 1000;

export interface LegacyEdgeOptions {
  service: McpService;
  sessions: LegacySessions;
  render: ErrorRenderer;
}

export interface LegacyExchange {
  request: EdgeRequest;
  respond: EdgeResponder;
  principal: import('../../domain/principal.ts').Principal;
  view: McpView;
  /** The endpoint path the session is bound to. */
  endpoint: string;
  capabilityHeader: string | null;
}

/** What the route records in the request's audit event. */
export interface LegacyOutcome {
  scope: RelayScope | null;
  method: string | null;
  session: 'new' | 'resumed' | 'ended' | null;
  protocolVersion: string | null;
  failure: unknown;
}

function accepts(request: EdgeRequest, type: string): boolean {
  const accept = request.header('accept') ?? '';
  return accept.includes(type) || accept.includes('*/*');
}

function openSession(options: LegacyEdgeOptions, exchange: LegacyExchange): { id: string; session: McpSession } | null {
  const id = exchange.request.header(SESSION_HEADER);
  if (id === undefined) return null;
  const session = options.sessions.isEnded(id) ? null : options.service.sessions.open(id);
  if (session === null || session.principalId !== exchange.principal.id || session.endpoint !== exchange.endpoint) {
    return null;
  }
  return { id, session };
}

function initialize(options: LegacyEdgeOptions, exchange: LegacyExchange, message: JsonObject, outcome: LegacyOutcome) {
  const params = isObject(message.params) ? message.params : {};
  const requested = typeof params.protocolVersion === 'string' ? params.protocolVersion : LATEST_LEGACY;
  const version = (LEGACY_VERSIONS as readonly string[]).includes(requested) ? requested : LATEST_LEGACY;
  const capabilities = isObject(params.capabilities) ? params.capabilities : {};
  const id = options.service.sessions.seal({
    principalId: exchange.principal.id,
    protocolVersion: version,
    issuedAt: Date.now(),
    endpoint: exchange.endpoint,
    clientCapabilities: capabilities,
  });
  outcome.session = 'new';
  outcome.protocolVersion = version;
  exchange.respond.json(
    200,
    {
      jsonrpc: '2.0',
      id: message.id,
      result: {
        protocolVersion: version,
        capabilities: endpointCapabilities('legacy'),
        serverInfo: SERVER_INFO,
        instructions: instructionsFor(exchange.view),
      },
    },
    { [SESSION_HEADER]: id },
  );
}

/** Sends the relayed requests on the call's stream and collects the client's answers. */
class StreamChannel implements ClientInputChannel {
  readonly capabilities: JsonObject;
  private readonly state: LegacySessionState;
  private readonly stream: () => ResumableStream;

  constructor(capabilities: JsonObject, state: LegacySessionState, stream: () => ResumableStream) {
    this.capabilities = capabilities;
    this.state = state;
    this.stream = stream;
  }

  async ask(requests: Record<string, InputRequestSpec>): Promise<Record<string, unknown>> {
    const entries = Object.entries(requests).map(async ([key, spec]) => {
      const id = this.state.newAskId();
      const answer = new Promise<JsonObject>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the client did not answer in time')), ASK_TIMEOUT_MS);
        timer.unref();
        this.state.pendingAsks.set(id, {
          resolve: (message) => {
            clearTimeout(timer);
            resolve(message);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
      });
      this.stream().push({ jsonrpc: '2.0', id, method: spec.method, params: spec.params ?? {} });
      const message = await answer.finally(() => this.state.pendingAsks.delete(id));
      if (isObject(message.error)) {
        throw new RpcError(Number(message.error.code), String(message.error.message ?? 'error'), message.error.data);
      }
      return [key, message.result] as const;
    });
    return Object.fromEntries(await Promise.all(entries));
  }
}

async function runRequest(
  options: LegacyEdgeOptions,
  exchange: LegacyExchange,
  session: McpSession,
  state: LegacySessionState,
  message: JsonObject & { id: RequestId; method: string },
  outcome: LegacyOutcome,
): Promise<void> {
  const params = isObject(message.params) ? message.params : {};
  const scope = createScope(exchange, 'legacy', options.render);
  outcome.scope = scope;
  let stream: ResumableStream | null = null;
  const ensureStream = (): ResumableStream => {
    if (stream === null) {
      const created = state.newStream();
      const live: SseStream = exchange.respond.sse({ [SESSION_HEADER]: exchange.request.header(SESSION_HEADER) ?? '' });
      live.prime(created.eventId(0), RETRY_MS);
      // A 2025 disconnect is not a cancellation (transports §Cancellation): the call runs on, buffered for resumption.
      created.attach(live);
      stream = created;
    }
    return stream;
  };
  const clientToken = isObject(params._meta) ? params._meta.progressToken : undefined;
  const abort = new AbortController();
  const key = LegacySessionState.requestKey(message.id);
  state.inFlight.set(key, abort);
  const sinks: CallSinks = {
    signal: abort.signal,
    progress:
      clientToken === undefined
        ? null
        : (progress) =>
            ensureStream().push({
              jsonrpc: '2.0',
              method: 'notifications/progress',
              params: { ...progress, progressToken: clientToken },
            }),
    // The level a session set with `logging/setLevel` filters here: the upstream connection is shared by every
    // caller, so relaying one session's level would change what all the others hear.
    log: (log) => {
      if (meetsLogLevel(log.level, state.logLevel))
        ensureStream().push({ jsonrpc: '2.0', method: 'notifications/message', params: log });
    },
    channel: new StreamChannel(session.clientCapabilities, state, ensureStream),
  };
  let reply: JsonObject;
  try {
    let result = await dispatch(options.service, scope, message.method, params, sinks);
    for (let round = 0; isInputRequired(result) && round < MAX_INPUT_ROUNDS; round++) {
      const answers = await sinks.channel?.ask(result.inputRequests ?? {});
      const retry: JsonObject = { ...params, inputResponses: answers };
      if (typeof result.requestState === 'string') retry.requestState = result.requestState;
      result = await dispatch(options.service, scope, message.method, retry, sinks);
    }
    if (isInputRequired(result)) throw new Error('the server kept asking for input');
    reply = { jsonrpc: '2.0', id: message.id, result };
  } catch (error) {
    outcome.failure = error;
    reply = { jsonrpc: '2.0', id: message.id, error: options.render(error) };
  } finally {
    state.inFlight.delete(key);
  }
  const open = stream as ResumableStream | null;
  if (open !== null) {
    open.push(reply);
    open.finish();
    return;
  }
  if (abort.signal.aborted) return exchange.respond.empty(202);
  exchange.respond.json(200, reply);
}

function sessionState(options: LegacyEdgeOptions, exchange: LegacyExchange, id: string): LegacySessionState {
  const state = options.sessions.get(id);
  if (state.detach === null) {
    state.detach = options.service.onCatalogEvent((event) => {
      if (!exchange.view.includesServer(event.server)) return;
      let notification: JsonObject | null = null;
      if (event.kind === 'resource') {
        for (const [exposed, target] of state.subscriptions) {
          if (target.server === event.server && target.uri === event.uri) {
            notification = { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: exposed } };
          }
        }
      } else {
        notification = { jsonrpc: '2.0', method: `notifications/${event.kind}/list_changed` };
      }
      if (notification !== null) state.serverStream?.push(notification);
    });
  }
  return state;
}

async function sessionRequest(
  options: LegacyEdgeOptions,
  exchange: LegacyExchange,
  opened: { id: string; session: McpSession },
  message: JsonObject & { id: RequestId; method: string },
  outcome: LegacyOutcome,
): Promise<void> {
  const state = sessionState(options, exchange, opened.id);
  const params = isObject(message.params) ? message.params : {};
  const scope = createScope(exchange, 'legacy', options.render);
  const ok = (result: JsonObject) => exchange.respond.json(200, { jsonrpc: '2.0', id: message.id, result });
  const fail = (error: unknown) => {
    outcome.failure = error;
    exchange.respond.json(200, { jsonrpc: '2.0', id: message.id, error: options.render(error) });
  };
  const context = {
    principal: exchange.principal,
    view: exchange.view,
    sinks: { signal: null, progress: null, log: null, channel: null },
    trace: scope.trace,
    extra: {},
  };
  outcome.scope = scope;
  switch (message.method) {
    case 'logging/setLevel':
      state.logLevel = typeof params.level === 'string' ? params.level : null;
      return ok({});
    case 'resources/subscribe':
      try {
        const target = await options.service.subscribe(context, params);
        if (!state.subscriptions.has(target.exposed)) state.subscriptions.set(target.exposed, target);
        else await options.service.unsubscribe(target.server, target.uri);
        return ok({});
      } catch (error) {
        return fail(error);
      }
    case 'resources/unsubscribe': {
      const uri = typeof params.uri === 'string' ? params.uri : '';
      const target = state.subscriptions.get(uri);
      state.subscriptions.delete(uri);
      if (target) await options.service.unsubscribe(target.server, target.uri);
      return ok({});
    }
    default:
      return runRequest(options, exchange, opened.session, state, message, outcome);
  }
}

function answerOrNotification(options: LegacyEdgeOptions, exchange: LegacyExchange, id: string, message: JsonObject) {
  const state = options.sessions.get(id);
  if (message.method === undefined && message.id !== undefined) {
    state.pendingAsks.get(String(message.id))?.resolve(message);
  } else if (message.method === 'notifications/cancelled' && isObject(message.params)) {
    const requestId = message.params.requestId;
    if (typeof requestId === 'string' || typeof requestId === 'number') {
      state.inFlight.get(LegacySessionState.requestKey(requestId))?.abort();
    }
  }
  exchange.respond.empty(202);
}

export async function handleLegacyPost(options: LegacyEdgeOptions, exchange: LegacyExchange, outcome: LegacyOutcome) {
  const { body } = exchange.request;
  if (body === INVALID_JSON)
    return exchange.respond.json(400, rpcError(null, -32700, 'Parse error: the body is not valid JSON'));
  if (Array.isArray(body)) {
    // JSON-RPC batching was removed in MCP 2025-06-18 (changelog §Major changes).
    return exchange.respond.json(400, rpcError(null, -32600, 'Invalid Request: batch requests are not supported'));
  }
  if (!isObject(body) || body.jsonrpc !== '2.0') {
    return exchange.respond.json(400, rpcError(null, -32600, 'Invalid Request: not a JSON-RPC 2.0 message'));
  }
  const isRequest = typeof body.method === 'string' && (typeof body.id === 'string' || typeof body.id === 'number');
  outcome.method = typeof body.method === 'string' ? body.method : null;
  if (isRequest && !(accepts(exchange.request, 'application/json') && accepts(exchange.request, 'text/event-stream'))) {
    return exchange.respond.json(
      406,
      rpcError(null, -32000, 'Not Acceptable: the client must accept application/json and text/event-stream'),
    );
  }
  if (isRequest && body.method === 'initialize') return initialize(options, exchange, body, outcome);
  if (exchange.request.header(SESSION_HEADER) === undefined) {
    return exchange.respond.json(400, rpcError(null, -32000, 'Bad Request: the Mcp-Session-Id header is required'));
  }
  const opened = openSession(options, exchange);
  // transports §Session Management: an unknown session gets 404, and the client starts a new one.
  if (opened === null) return exchange.respond.json(404, rpcError(null, -32001, 'Session not found'));
  outcome.session = 'resumed';
  outcome.protocolVersion = opened.session.protocolVersion;
  const version = exchange.request.header('mcp-protocol-version');
  if (version !== undefined && !(LEGACY_VERSIONS as readonly string[]).includes(version)) {
    return exchange.respond.json(400, rpcError(null, -32000, `Bad Request: unsupported protocol version ${version}`));
  }
  if (!isRequest) return answerOrNotification(options, exchange, opened.id, body);
  return sessionRequest(options, exchange, opened, body as JsonObject & { id: RequestId; method: string }, outcome);
}

/** GET: the session's server-to-client stream, or the resumption of a response stream (`Last-Event-ID`). */
export function handleLegacyGet(options: LegacyEdgeOptions, exchange: LegacyExchange, outcome: LegacyOutcome) {
  if (!accepts(exchange.request, 'text/event-stream')) {
    return exchange.respond.json(
      406,
      rpcError(null, -32000, 'Not Acceptable: the client must accept text/event-stream'),
    );
  }
  if (exchange.request.header(SESSION_HEADER) === undefined) {
    return exchange.respond.json(400, rpcError(null, -32000, 'Bad Request: the Mcp-Session-Id header is required'));
  }
  const opened = openSession(options, exchange);
  if (opened === null) return exchange.respond.json(404, rpcError(null, -32001, 'Session not found'));
  outcome.session = 'resumed';
  outcome.protocolVersion = opened.session.protocolVersion;
  const lastEventId = exchange.request.header('last-event-id');
  if (lastEventId !== undefined && !isEventId(lastEventId)) {
    return exchange.respond.json(
      400,
      rpcError(null, -32000, 'Bad Request: the Last-Event-ID header is not an event id this server sent'),
    );
  }
  const state = sessionState(options, exchange, opened.id);
  const live = exchange.respond.sse({ [SESSION_HEADER]: opened.id });
  // An id this session's streams no longer hold (another session's, another instance's, or too far behind) must
  // not replay anything (transports §Resumability): the client gets a new stream, as on a GET without one.
  const resumed = lastEventId === undefined ? null : state.locate(lastEventId);
  if (resumed !== null) return resumed.stream.resume(live, resumed.seq);
  const stream = state.openServerStream();
  live.prime(stream.eventId(0), RETRY_MS);
  stream.attach(live);
}

export function handleLegacyDelete(options: LegacyEdgeOptions, exchange: LegacyExchange, outcome: LegacyOutcome) {
  const opened = openSession(options, exchange);
  if (opened === null) return exchange.respond.json(404, rpcError(null, -32001, 'Session not found'));
  const state = options.sessions.end(opened.id);
  for (const target of state?.subscriptions.values() ?? []) void options.service.unsubscribe(target.server, target.uri);
  outcome.session = 'ended';
  exchange.respond.empty(200);
}
