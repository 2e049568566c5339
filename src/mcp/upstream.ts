/**
 * @module One upstream MCP server: an SDK 2.x `Client` over stdio (own process group, minimal env), streamable
 * HTTP or legacy SSE, speaking whichever era the server speaks (it probes with `server/discover` and falls back
 * to `initialize`, or is pinned by config). Connects lazily; after a crash, a hung call or a transport failure it
 * drops the connection and reconnects on the next call, with exponential backoff between consecutive failures and
 * a bounded restart budget. Results are relayed raw (unknown members kept); `input_required` results come back to
 * the caller, and a legacy server's requests for client input go to the one call that can answer them.
 */
import {
  Client,
  type FetchLike,
  type JSONRPCRequest,
  ProtocolError,
  SdkError,
  SdkErrorCode,
  SSEClientTransport,
  SseError,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import { z } from 'zod';
import { restartDelayMs } from '../domain/mcp/index.ts';
import type { OutboundTrace } from '../telemetry/index.ts';
import type { McpServerSpec } from './config.ts';
import { McpFailure, UpstreamRpcError } from './errors.ts';
import { InFlightCalls } from './in-flight.ts';
import { lifecycleSpan } from './lifecycle-span.ts';
import { minimalEnvironment, ProcessGroupStdioTransport } from './stdio-transport.ts';
import { propagate, withHeaders } from './upstream-span.ts';
import { type CallSinks, type Era, isObject, type JsonObject, META, MODERN_VERSION } from './wire.ts';

/** A restart budget window: more than `maxRestarts` reconnects inside it and the server stays down until it ends. */
const RESTART_WINDOW_MS = 60_000;
/**
 * A JSON parse failure, or JSON that is not a JSON-RPC message (the SDK's schema check throws a zod error, matched
 * by name because the SDK may bundle its own copy of zod).
 */
function isMalformedMessage(error: Error): boolean {
  return error instanceof SyntaxError || error.name === 'ZodError';
}

/** A connection up this long before it fails starts a fresh backoff episode. */
const STABLE_UPTIME_MS = 30_000;
const CLIENT_INFO = { name: 'gatehouse', version: '0.1.0' };
/**
 * The handshake includes starting the process (an `npx` server may first fetch its package), so it gets at least
 * this long: a short per-call timeout must not make a slow start look like a dead server.
 */
const CONNECT_TIMEOUT_FLOOR_MS = 10_000;
/** Results are relayed as the server sent them: a permissive schema keeps every member. */
const RAW_RESULT = z.looseObject({});
/**
 * The gateway declares every client capability upstream: whether a given call can answer is decided per call
 * (its client's own capabilities), and a call that cannot gets a JSON-RPC error the server can handle.
 */
const GATEWAY_CAPABILITIES = { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: true } };

const ENVELOPE_KEYS = new Set<string>([META.protocolVersion, META.clientInfo, META.clientCapabilities, META.logLevel]);

function withoutEnvelope(meta: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(meta).filter(([key]) => !ENVELOPE_KEYS.has(key)));
}

/** Sinks of a request of the gateway's own: a new object each time, since in-flight calls are counted by identity. */
function ownSinks(): CallSinks {
  return { signal: null, progress: null, log: null, channel: null };
}

export type UpstreamState = 'idle' | 'connecting' | 'ready' | 'down' | 'closed';
export type ListKind = 'tools' | 'prompts' | 'resources';

export interface UpstreamOptions {
  logger: Logger;
  /** A list changed upstream (`notifications/*\/list_changed`, or the listen stream of a modern server). */
  onListChanged(kind: ListKind): void;
  /** `notifications/resources/updated` from the server. */
  onResourceUpdated?(uri: string): void;
  processEnv?: NodeJS.ProcessEnv;
  /** Told after a reconnect (not the first connect): the new process or session may list different definitions. */
  onReconnected?(): void;
  /** The HTTP transports' fetch (a per-user OAuth server's adds the user's own token). */
  fetch?: FetchLike;
  /** The gateway's tracer: connects, lists and subscriptions outside any request are its root spans. */
  spans?: OutboundTrace | null;
}

export interface UpstreamInfo {
  era: Era;
  protocolVersion: string;
  capabilities: JsonObject;
  serverInfo: JsonObject;
  instructions: string | null;
}

export class UpstreamConnection {
  readonly spec: McpServerSpec;
  state: UpstreamState = 'idle';
  lastError: string | null = null;
  info: UpstreamInfo | null = null;
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private restarts: number[] = [];
  private failures = 0;
  private lastFailureAt = 0;
  private connectedAt = 0;
  private connects = 0;
  private readonly draining = new Set<Promise<void>>();
  private readonly options: UpstreamOptions;
  private readonly calls = new InFlightCalls();

  constructor(spec: McpServerSpec, options: UpstreamOptions) {
    this.spec = spec;
    this.options = options;
  }

  private createTransport(): Transport {
    const { spec } = this;
    if (spec.transport === 'stdio') {
      return new ProcessGroupStdioTransport({
        command: spec.command,
        args: spec.args,
        env: minimalEnvironment(spec.env, this.options.processEnv),
        cwd: spec.cwd,
        onStderr: (line) => this.options.logger.debug({ mcpServer: spec.id, line }, 'mcp server stderr'),
      });
    }
    const options = {
      requestInit: { headers: spec.headers },
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    };
    if (spec.transport === 'sse') return new SSEClientTransport(new URL(spec.url), options);
    return new StreamableHTTPClientTransport(new URL(spec.url), options);
  }

  get connectCount(): number {
    return this.connects;
  }

  private unavailable(detail: string, retryAfterMs?: number, cause?: unknown): McpFailure {
    const values: Record<string, string | number> = { server: this.spec.id, detail };
    if (retryAfterMs !== undefined) values.retry_after_ms = Math.max(1, Math.ceil(retryAfterMs));
    return new McpFailure('mcp_upstream_unavailable', values, { cause });
  }

  /**
   * Counts a failure. A connection that had been up for `STABLE_UPTIME_MS` starts a new episode, so a crash once an
   * hour never backs off; one that fails soon after its restart escalates the backoff.
   */
  private recordFailure(reason: string, connectionUp: boolean): void {
    const now = Date.now();
    this.failures = connectionUp && now - this.connectedAt >= STABLE_UPTIME_MS ? 1 : this.failures + 1;
    this.lastFailureAt = now;
    this.lastError = reason;
  }

  private takeRestartSlot(now: number): void {
    this.restarts = this.restarts.filter((at) => now - at < RESTART_WINDOW_MS);
    if (this.restarts.length > this.spec.maxRestarts) {
      this.state = 'down';
      throw this.unavailable('restart budget exhausted', (this.restarts[0] ?? now) + RESTART_WINDOW_MS - now);
    }
    const wait = this.lastFailureAt + restartDelayMs(this.failures) - now;
    if (wait > 0) {
      this.state = 'down';
      throw this.unavailable('restarting after a failure', wait);
    }
    this.restarts.push(now);
  }

  private drop(client: Client, reason: string): void {
    if (this.client !== client) return;
    this.client = null;
    if (this.state !== 'closed') this.state = 'down';
    this.recordFailure(reason, true);
    const closing = client
      .close()
      .catch(() => {})
      .finally(() => this.draining.delete(closing));
    this.draining.add(closing);
  }

  private negotiation() {
    if (this.spec.era === 'legacy') return { mode: 'legacy' as const };
    if (this.spec.era === 'modern') return { mode: { pin: MODERN_VERSION } };
    return { mode: 'auto' as const };
  }

  private buildClient(): Client {
    const listChanged = (kind: ListKind) => ({
      autoRefresh: false,
      onChanged: () => this.options.onListChanged(kind),
    });
    const client = new Client(CLIENT_INFO, {
      capabilities: GATEWAY_CAPABILITIES,
      versionNegotiation: this.negotiation(),
      inputRequired: { autoFulfill: false },
      listChanged: {
        tools: listChanged('tools'),
        prompts: listChanged('prompts'),
        resources: listChanged('resources'),
      },
    });
    // Answers are relayed as the client gave them; the SDK validates their shape against the method's schema.
    const relay = (request: { method: string; params?: unknown }) =>
      this.calls.askFor(this.spec.id, request.method, (request.params ?? {}) as JsonObject);
    client.setRequestHandler('sampling/createMessage', relay as never);
    client.setRequestHandler('elicitation/create', relay as never);
    client.setRequestHandler('roots/list', relay as never);
    client.setNotificationHandler('notifications/resources/updated', async (notification) => {
      this.options.onResourceUpdated?.(notification.params.uri);
    });
    client.setNotificationHandler('notifications/message', async (notification) => {
      this.calls.log(notification.params as JsonObject);
    });
    return client;
  }

  private async open(): Promise<Client> {
    this.takeRestartSlot(Date.now());
    this.state = 'connecting';
    const client = this.buildClient();
    const transport = this.createTransport();
    client.onclose = () => this.drop(client, 'connection closed (the server exited or hung up)');
    client.onerror = (error) => {
      this.lastError = error.message;
      // A broken legacy SSE stream takes every pending answer with it while its EventSource reconnects into a new
      // server session: dropping the client fails them now instead of at the call timeout.
      if (error instanceof SseError) this.drop(client, `SSE stream lost: ${error.message}`);
      // An HTTP server that sends something that is not JSON-RPC on a response stream leaves the call it belongs to
      // unanswerable (the garbage carries no id we could trust), and the SDK would wait out the call timeout.
      // Failing the connection's calls now is the honest answer; stdio keeps its own framing rules.
      else if (this.spec.transport !== 'stdio' && isMalformedMessage(error))
        this.drop(client, `malformed message from the server: ${error.message}`);
    };
    try {
      await lifecycleSpan(this.options.spans ?? null, this.spec, 'connect', {}, async (span) => {
        await client.connect(transport, { timeout: Math.max(this.spec.timeoutMs, CONNECT_TIMEOUT_FLOOR_MS) });
        span?.set({ 'mcp.protocol.version': client.getNegotiatedProtocolVersion() ?? 'unknown' });
      });
    } catch (error) {
      this.state = 'down';
      this.recordFailure(`connect failed: ${(error as Error).message}`, false);
      await client.close().catch(() => {});
      throw this.unavailable('connect failed', restartDelayMs(this.failures) || undefined, error);
    }
    if ((this.state as UpstreamState) === 'closed') {
      await client.close().catch(() => {});
      throw this.unavailable('closed');
    }
    this.info = {
      era: client.getProtocolEra() === 'modern' ? 'modern' : 'legacy',
      protocolVersion: client.getNegotiatedProtocolVersion() ?? 'unknown',
      capabilities: (client.getServerCapabilities() ?? {}) as JsonObject,
      serverInfo: (client.getServerVersion() ?? {}) as JsonObject,
      instructions: client.getInstructions() ?? null,
    };
    this.client = client;
    this.state = 'ready';
    this.lastError = null;
    this.connectedAt = Date.now();
    this.connects += 1;
    if (this.connects > 1 && this.options.onReconnected) setImmediate(this.options.onReconnected);
    return client;
  }

  async ensureClient(): Promise<Client> {
    if (this.state === 'closed') throw this.unavailable('closed');
    if (this.client) return this.client;
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /**
   * Sends one request and returns the server's result as sent (an `input_required` result included). While it
   * runs, the call's sinks receive its progress, its log messages and the server's requests for client input.
   */
  async request(
    method: string,
    params: JsonObject,
    sinks: CallSinks,
    options: { timeoutMs?: number; headers?: Record<string, string> } = {},
  ) {
    const client = await this.ensureClient();
    // A 2025 server must not see the 2026 envelope keys a 2026 client's request carried: they would make a
    // dual-era server answer in the other era.
    if (this.info?.era === 'legacy' && isObject(params._meta))
      params = { ...params, _meta: withoutEnvelope(params._meta) };
    const release = this.calls.enter(sinks);
    try {
      return await this.guard(
        client,
        sinks.signal,
        client.request({ method, params } as JSONRPCRequest, RAW_RESULT, {
          timeout: options.timeoutMs ?? this.spec.timeoutMs,
          resetTimeoutOnProgress: sinks.progress !== null,
          ...(options.headers ? { headers: options.headers } : {}),
          ...(sinks.signal ? { signal: sinks.signal } : {}),
          ...(sinks.progress ? { onprogress: sinks.progress as (progress: unknown) => void } : {}),
          allowInputRequired: true,
        }),
      );
    } finally {
      release();
    }
  }

  /** Every page of a list (`tools/list`, `prompts/list`, `resources/list`, `resources/templates/list`). */
  listAll(method: string, key: string): Promise<JsonObject[]> {
    return lifecycleSpan(this.options.spans ?? null, this.spec, method, { 'mcp.method.name': method }, async (span) => {
      const items: JsonObject[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 100; page++) {
        const carried = propagate(span, this, cursor ? { cursor } : {}, undefined);
        const result = await this.request(method, carried.params, ownSinks(), withHeaders(carried));
        const list = result[key];
        if (Array.isArray(list)) items.push(...(list as JsonObject[]));
        cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
        if (!cursor) break;
      }
      return items;
    });
  }

  /** A request the gateway makes on its own account rather than relays for one client (a subscription), traced. */
  ownRequest(method: string, params: JsonObject): Promise<JsonObject> {
    return lifecycleSpan(this.options.spans ?? null, this.spec, method, { 'mcp.method.name': method }, (span) => {
      const carried = propagate(span, this, params, undefined);
      return this.request(method, carried.params, ownSinks(), withHeaders(carried));
    });
  }

  /**
   * Maps SDK failures to gateway failures. A timeout, a closed connection or a transport error drops the
   * connection (a hung server rarely recovers; a streamable HTTP session lost with a restarted server is never
   * valid again); an error the server answered with leaves it up and is relayed. A call its client cancelled
   * leaves it up too: the SDK reports the abort as a timeout, yet dropping the connection would fail every other
   * caller's calls and abort the `notifications/cancelled` the SDK is still sending upstream.
   */
  private async guard<T>(client: Client, signal: AbortSignal | null, promise: Promise<T>): Promise<T> {
    try {
      return await promise;
    } catch (error) {
      if (signal?.aborted) throw new DOMException('the client cancelled the call', 'AbortError');
      if (error instanceof ProtocolError) throw new UpstreamRpcError(error.code, error.message, error.data);
      if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) {
        this.drop(client, 'request timed out');
        throw new McpFailure('mcp_upstream_timeout', { server: this.spec.id }, { cause: error });
      }
      if (error instanceof SdkError && error.code === SdkErrorCode.ConnectionClosed) {
        this.drop(client, 'connection closed (the server exited or hung up)');
        throw this.unavailable('connection closed', undefined, error);
      }
      if (error instanceof SdkError && error.code === SdkErrorCode.InvalidResult) {
        throw new McpFailure(
          'mcp_upstream_error',
          { server: this.spec.id, detail: 'invalid result' },
          { cause: error },
        );
      }
      if (error instanceof Error && error.name === 'AbortError') throw error;
      this.drop(client, `transport failure: ${(error as Error).message}`);
      throw this.unavailable('transport failure', undefined, error);
    }
  }

  async close(): Promise<void> {
    this.state = 'closed';
    const client = this.client ?? (await this.connecting?.catch(() => null)) ?? null;
    this.client = null;
    await client?.close().catch(() => {});
    await Promise.all(this.draining);
  }
}
