/**
 * @module One upstream MCP server: an SDK `Client` over stdio (own process group, minimal env), streamable
 * HTTP or legacy SSE. Connects lazily; after a crash, a hung call or a transport failure it drops the
 * connection and reconnects on the next call, with exponential backoff between consecutive failures and a
 * bounded restart budget; it reports `notifications/tools/list_changed` so the registry re-pins the tools.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type CallToolResult, ErrorCode, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { restartDelayMs } from '../domain/mcp/index.ts';
import type { McpServerSpec } from './config.ts';
import { McpFailure } from './errors.ts';
import { minimalEnvironment, ProcessGroupStdioTransport } from './stdio-transport.ts';

/** A restart budget window: more than `maxRestarts` reconnects inside it and the server stays down until it ends. */
const RESTART_WINDOW_MS = 60_000;
/** A connection up this long before it fails starts a fresh backoff episode. */
const STABLE_UPTIME_MS = 30_000;
const CLIENT_INFO = { name: 'gatehouse', version: '0.1.0' };
/**
 * The handshake includes starting the process (an `npx` server may first fetch its package), so it gets at least
 * this long: a short per-call timeout must not make a slow start look like a dead server.
 */
const CONNECT_TIMEOUT_FLOOR_MS = 10_000;

export type UpstreamState = 'idle' | 'connecting' | 'ready' | 'down' | 'closed';

export interface UpstreamOptions {
  logger: Logger;
  onToolsChanged(tools: Tool[]): void;
  /** Source of the environment a stdio server's minimal env is drawn from (tests pass their own). */
  processEnv?: NodeJS.ProcessEnv;
  /** Told after a reconnect (not the first connect): the new process or session may list different tools. */
  onReconnected?(): void;
}

export class UpstreamConnection {
  readonly spec: McpServerSpec;
  state: UpstreamState = 'idle';
  lastError: string | null = null;
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private restarts: number[] = [];
  /** Failures in the current episode (crash, connect failure, timeout, transport error); sets the backoff. */
  private failures = 0;
  private lastFailureAt = 0;
  private connectedAt = 0;
  private connects = 0;
  /** Dropped connections still shutting down (a hung stdio server gets SIGTERM, then SIGKILL), awaited by close(). */
  private readonly draining = new Set<Promise<void>>();
  private readonly options: UpstreamOptions;

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
    const requestInit = { headers: spec.headers };
    if (spec.transport === 'sse') return new SSEClientTransport(new URL(spec.url), { requestInit });
    return new StreamableHTTPClientTransport(new URL(spec.url), { requestInit });
  }

  /** How many times this server has been connected (1 + restarts), for the admin listing. */
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
   * hour never backs off; one that fails soon after its restart escalates the backoff, even when the listing
   * after each restart succeeds (a server that dies on every call still answers `tools/list`).
   */
  private recordFailure(reason: string, connectionUp: boolean): void {
    const now = Date.now();
    this.failures = connectionUp && now - this.connectedAt >= STABLE_UPTIME_MS ? 1 : this.failures + 1;
    this.lastFailureAt = now;
    this.lastError = reason;
  }

  /** Refuses a reconnect once the budget (1 start + `maxRestarts` a minute) is spent, or during backoff. */
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

  /** Forgets a broken client and shuts it down in the background, so the caller's error is not held up by it. */
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

  private async open(): Promise<Client> {
    this.takeRestartSlot(Date.now());
    this.state = 'connecting';
    const client = new Client(CLIENT_INFO, {
      capabilities: {},
      listChanged: {
        tools: {
          onChanged: (error, tools) => {
            if (error) this.options.logger.warn({ err: error, mcpServer: this.spec.id }, 'tool list refresh failed');
            else if (tools) this.options.onToolsChanged(tools);
          },
        },
      },
    });
    const transport = this.createTransport();
    client.onclose = () => {
      // Only an unexpected close lands here with `this.client === client`: drop() and close() detach it first.
      this.drop(client, 'connection closed (the server exited or hung up)');
    };
    client.onerror = (error) => {
      this.lastError = error.message;
      // A legacy SSE stream that breaks takes every pending answer with it, yet the transport neither closes nor
      // fails them: its EventSource reconnects into a new server session. Dropping the client fails them now
      // (ConnectionClosed) instead of at the call timeout, and the next call opens a fresh session.
      if (error instanceof SseError) this.drop(client, `SSE stream lost: ${error.message}`);
    };
    try {
      await client.connect(transport, { timeout: Math.max(this.spec.timeoutMs, CONNECT_TIMEOUT_FLOOR_MS) });
    } catch (error) {
      this.state = 'down';
      this.recordFailure(`connect failed: ${(error as Error).message}`, false);
      await client.close().catch(() => {});
      throw this.unavailable('connect failed', restartDelayMs(this.failures) || undefined, error);
    }
    // close() may have run while the handshake was in flight; the widening undoes TypeScript's narrowing.
    if ((this.state as UpstreamState) === 'closed') {
      await client.close().catch(() => {});
      throw this.unavailable('closed');
    }
    this.client = client;
    this.state = 'ready';
    this.lastError = null;
    this.connectedAt = Date.now();
    this.connects += 1;
    if (this.connects > 1 && this.options.onReconnected) setImmediate(this.options.onReconnected);
    return client;
  }

  /** The connected client, connecting (or reconnecting after a crash) first when needed. */
  async ensureClient(): Promise<Client> {
    if (this.state === 'closed') throw this.unavailable('closed');
    if (this.client) return this.client;
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  async listTools(): Promise<Tool[]> {
    const client = await this.ensureClient();
    const tools: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const result = await this.guard(
        client,
        client.listTools(cursor ? { cursor } : undefined, { timeout: this.spec.timeoutMs }),
      );
      tools.push(...result.tools);
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    return tools;
  }

  async callTool(name: string, args: Record<string, unknown>, timeoutMs: number): Promise<CallToolResult> {
    const client = await this.ensureClient();
    const result = await this.guard(
      client,
      client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs }),
    );
    return result as CallToolResult;
  }

  /**
   * Maps SDK failures to gateway codes. A timeout, a closed connection or a transport error drops the connection
   * (a hung server rarely recovers, and a streamable HTTP session lost with a restarted server is never valid
   * again), so the next call reconnects; an error the server answered with leaves it up.
   */
  private async guard<T>(client: Client, promise: Promise<T>): Promise<T> {
    try {
      return await promise;
    } catch (error) {
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
        this.drop(client, 'request timed out');
        throw new McpFailure('mcp_upstream_timeout', { server: this.spec.id }, { cause: error });
      }
      if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
        this.drop(client, 'connection closed (the server exited or hung up)');
        throw this.unavailable('connection closed', undefined, error);
      }
      if (error instanceof McpError) {
        throw new McpFailure(
          'mcp_upstream_error',
          { server: this.spec.id, detail: `error ${error.code}` },
          { cause: error },
        );
      }
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
