/**
 * @module One upstream MCP server: an SDK `Client` over stdio (own process group, minimal env), streamable
 * HTTP or legacy SSE. Connects lazily, reconnects after a crash within a bounded restart budget, times out
 * hung calls, and reports `notifications/tools/list_changed` so the registry re-pins the tool list.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type CallToolResult, ErrorCode, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { McpServerSpec } from './config.ts';
import { McpFailure } from './errors.ts';
import { minimalEnvironment, ProcessGroupStdioTransport } from './stdio-transport.ts';

/** A restart budget window: more than `maxRestarts` reconnects inside it and the server stays down until it ends. */
const RESTART_WINDOW_MS = 60_000;
const CLIENT_INFO = { name: 'gatehouse', version: '0.1.0' };

export type UpstreamState = 'idle' | 'connecting' | 'ready' | 'down' | 'closed';

export interface UpstreamOptions {
  logger: Logger;
  onToolsChanged(tools: Tool[]): void;
  /** Source of the environment a stdio server's minimal env is drawn from (tests pass their own). */
  processEnv?: NodeJS.ProcessEnv;
}

export class UpstreamConnection {
  readonly spec: McpServerSpec;
  state: UpstreamState = 'idle';
  lastError: string | null = null;
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private restarts: number[] = [];
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

  private takeRestartSlot(): boolean {
    const now = Date.now();
    this.restarts = this.restarts.filter((at) => now - at < RESTART_WINDOW_MS);
    if (this.restarts.length > this.spec.maxRestarts) return false;
    this.restarts.push(now);
    return true;
  }

  private async open(): Promise<Client> {
    if (!this.takeRestartSlot()) {
      this.state = 'down';
      throw new McpFailure('mcp_upstream_unavailable', { server: this.spec.id, detail: 'restart budget exhausted' });
    }
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
      if (this.client === client) {
        this.client = null;
        if (this.state !== 'closed') this.state = 'down';
      }
    };
    client.onerror = (error) => {
      this.lastError = error.message;
    };
    try {
      await client.connect(transport, { timeout: this.spec.timeoutMs });
    } catch (error) {
      this.state = 'down';
      this.lastError = (error as Error).message;
      await client.close().catch(() => {});
      throw new McpFailure(
        'mcp_upstream_unavailable',
        { server: this.spec.id, detail: 'connect failed' },
        { cause: error },
      );
    }
    this.client = client;
    this.state = 'ready';
    this.lastError = null;
    return client;
  }

  /** The connected client, connecting (or reconnecting after a crash) first when needed. */
  async ensureClient(): Promise<Client> {
    if (this.state === 'closed')
      throw new McpFailure('mcp_upstream_unavailable', { server: this.spec.id, detail: 'closed' });
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
    const result = await this.guard(client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs }));
    return result as CallToolResult;
  }

  /** Maps SDK failures to gateway codes; a timed-out call drops the connection, since a hung server rarely recovers. */
  private async guard<T>(promise: Promise<T>): Promise<T> {
    try {
      return await promise;
    } catch (error) {
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
        this.lastError = 'request timed out';
        const client = this.client;
        this.client = null;
        this.state = 'down';
        await client?.close().catch(() => {});
        throw new McpFailure('mcp_upstream_timeout', { server: this.spec.id }, { cause: error });
      }
      if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
        throw new McpFailure(
          'mcp_upstream_unavailable',
          { server: this.spec.id, detail: 'connection closed' },
          { cause: error },
        );
      }
      if (error instanceof McpError) {
        throw new McpFailure(
          'mcp_upstream_error',
          { server: this.spec.id, detail: `error ${error.code}` },
          { cause: error },
        );
      }
      throw new McpFailure(
        'mcp_upstream_unavailable',
        { server: this.spec.id, detail: 'transport failure' },
        { cause: error },
      );
    }
  }

  async close(): Promise<void> {
    this.state = 'closed';
    const client = this.client ?? (await this.connecting?.catch(() => null)) ?? null;
    this.client = null;
    await client?.close().catch(() => {});
  }
}
