/**
 * @module The MCP gateway service: one place where a listing is filtered and a call is decided, so the REST
 * surface and the aggregated `/mcp` endpoint can never disagree. A call runs: server → tool (pinned, not
 * quarantined) → size → team policy (name and arguments) → the tool's input schema → rate limit →
 * capability (verify, then consume) → upstream with a timeout. Every step fills the `CallTrace` the route
 * audits, so a refused call is recorded as precisely as a successful one.
 */
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import {
  buildToolNameTable,
  canonicalJson,
  canonicalSha256,
  decideToolCall,
  isToolVisible,
  type NamespacedTool,
  namespaceToolName,
} from '../domain/mcp/index.ts';
import type { Principal } from '../domain/principal.ts';
import { CapabilityGuard, CapabilityRefused, type ReplayGuard } from './capabilities.ts';
import type { McpConfig } from './config.ts';
import { McpFailure } from './errors.ts';
import type { PinBook } from './pins.ts';
import type { ToolPolicyService } from './policy.ts';
import type { CatalogTool, McpRegistry, ServerEntry } from './registry.ts';
import type { SessionSealer } from './session.ts';
import type { McpStoreSync } from './store-sync.ts';

/** The shared-state calls MCP needs (`SharedState` from src/state satisfies it). */
export interface McpSharedState extends ReplayGuard {
  slidingWindowHit(key: string, limit: number, windowMs: number): Promise<{ allowed: boolean; retryAfterMs: number }>;
}

/** What one call did, for its audit event: filled step by step, read even when the call throws. */
export class CallTrace {
  server: string | null = null;
  tool: string | null = null;
  toolSha256: string | null = null;
  argsSha256: string | null = null;
  capabilityJti: string | null = null;
  capabilityReason: string | null = null;
  result: 'ok' | 'tool_error' | 'refused' | 'failed' | null = null;
  upstreamMs: number | null = null;
}

export interface ServerView {
  id: string;
  description: string;
  transport: string;
  status: string;
}

export interface AggregatedTool {
  name: string;
  server: string;
  tool: Tool;
  sha256: string;
}

export interface CallRequest {
  server: string;
  tool: string;
  args: unknown;
  capability: string | null;
}

export class McpService {
  readonly config: McpConfig;
  readonly registry: McpRegistry;
  readonly policies: ToolPolicyService;
  readonly capabilities: CapabilityGuard;
  readonly pins: PinBook;
  readonly sessions: SessionSealer;
  private readonly state: McpSharedState;
  private readonly storeSync: McpStoreSync | null;

  constructor(options: {
    config: McpConfig;
    registry: McpRegistry;
    policies: ToolPolicyService;
    pins: PinBook;
    sessions: SessionSealer;
    state: McpSharedState;
    storeSync?: McpStoreSync;
  }) {
    this.config = options.config;
    this.registry = options.registry;
    this.policies = options.policies;
    this.pins = options.pins;
    this.sessions = options.sessions;
    this.state = options.state;
    this.storeSync = options.storeSync ?? null;
    this.capabilities = new CapabilityGuard(options.config.capabilities, options.state);
  }

  /** Applies the stored admin-registered servers now (after a local write), instead of at the next poll. */
  async syncServers(): Promise<void> {
    await this.storeSync?.sync(true);
  }

  /** Approves a quarantined definition (compare-and-set on its hash) and re-lists the server. */
  async approveTool(server: string, tool: string, sha256: string, by: string | null): Promise<boolean> {
    const approved = await this.pins.approve(server, tool, sha256, by);
    if (approved && this.registry.server(server)) await this.registry.refresh(server).catch(() => {});
    return approved;
  }

  async close(): Promise<void> {
    await this.storeSync?.stop();
    await this.registry.close();
  }

  private serverVisible(policyRules: { server: RegExp }[], id: string): boolean {
    return policyRules.some((rule) => rule.server.test(id));
  }

  private async visibleServers(principal: Principal): Promise<ServerEntry[]> {
    const { compiled } = await this.policies.forTeam(principal.teamId);
    const allowRules = compiled.rules.filter((rule) => (rule.rule.effect ?? 'allow') === 'allow');
    return this.registry.servers().filter((entry) => this.serverVisible(allowRules, entry.spec.id));
  }

  async listServers(principal: Principal): Promise<ServerView[]> {
    return (await this.visibleServers(principal)).map((entry) => ({
      id: entry.spec.id,
      description: entry.spec.description,
      transport: entry.spec.transport,
      status: entry.connection.state,
    }));
  }

  private async requireServer(principal: Principal, id: string): Promise<ServerEntry> {
    const entry = (await this.visibleServers(principal)).find((candidate) => candidate.spec.id === id);
    if (!entry) throw new McpFailure('mcp_server_not_found', { server: id }, { param: 'server' });
    return entry;
  }

  /** The server's approved tools the caller's policy lets it see. */
  async listTools(principal: Principal, serverId: string): Promise<CatalogTool[]> {
    const entry = await this.requireServer(principal, serverId);
    const { compiled } = await this.policies.forTeam(principal.teamId);
    const catalog = await this.registry.catalog(entry);
    return [...catalog.values()].filter(
      (tool) => tool.status === 'approved' && isToolVisible(compiled, serverId, tool.tool.name),
    );
  }

  /** Every visible tool of every visible server, namespaced; a server that is down is left out, not fatal. */
  async listAggregated(principal: Principal): Promise<AggregatedTool[]> {
    const servers = await this.visibleServers(principal);
    const lists = await Promise.all(
      servers.map((entry) => this.listTools(principal, entry.spec.id).catch(() => [] as CatalogTool[])),
    );
    return lists.flat().map((tool) => ({
      name: namespaceToolName(tool.server, tool.tool.name),
      server: tool.server,
      tool: tool.tool,
      sha256: tool.sha256,
    }));
  }

  /** Resolves an aggregated name back to (server, tool) through the same listing the client saw. */
  async resolveAggregatedName(principal: Principal, name: string): Promise<NamespacedTool | null> {
    const tools = await this.listAggregated(principal);
    return buildToolNameTable(tools.map((tool) => ({ server: tool.server, tool: tool.tool.name }))).get(name) ?? null;
  }

  async callTool(principal: Principal, request: CallRequest, trace: CallTrace): Promise<CallToolResult> {
    trace.server = request.server;
    trace.tool = request.tool;
    trace.result = 'refused';
    const entry = await this.requireServer(principal, request.server);
    const catalog = await this.registry.catalog(entry);
    const tool = catalog.get(request.tool);
    if (!tool)
      throw new McpFailure('tool_not_found', { server: request.server, tool: request.tool }, { param: 'tool' });
    trace.toolSha256 = tool.sha256;
    if (tool.status === 'quarantined')
      throw new McpFailure('tool_quarantined', { server: request.server, tool: request.tool });
    const args = request.args ?? {};
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new McpFailure(
        'tool_arguments_invalid',
        { detail: 'arguments must be a JSON object' },
        { param: 'arguments' },
      );
    }
    const canonical = canonicalJson(args);
    if (Buffer.byteLength(canonical) > this.config.maxArgumentBytes) {
      throw new McpFailure('tool_arguments_too_large', { limit: this.config.maxArgumentBytes }, { param: 'arguments' });
    }
    trace.argsSha256 = canonicalSha256(args);
    const { compiled } = await this.policies.forTeam(principal.teamId);
    const decision = decideToolCall(compiled, request.server, request.tool, args, (schema, value) =>
      this.registry.matchesSchema(schema, value),
    );
    if (decision.decision === 'deny') {
      if (decision.reason === 'arguments')
        throw new McpFailure('tool_arguments_denied', { tool: request.tool }, { param: 'arguments' });
      // A tool the policy hides is reported as unknown, as `tools/list` never showed it.
      if (!isToolVisible(compiled, request.server, request.tool)) {
        throw new McpFailure('tool_not_found', { server: request.server, tool: request.tool }, { param: 'tool' });
      }
      throw new McpFailure('tool_not_allowed', { tool: request.tool });
    }
    const schemaError = this.registry.validateArguments(tool, args);
    if (schemaError !== null)
      throw new McpFailure('tool_arguments_invalid', { detail: schemaError }, { param: 'arguments' });
    if (decision.rateLimitPerMinute !== null) {
      const key = `mcp:rl:${principal.teamId}:${request.server}:${request.tool}:${decision.ruleIndex}`;
      const hit = await this.state.slidingWindowHit(key, decision.rateLimitPerMinute, 60_000);
      if (!hit.allowed) throw new McpFailure('tool_rate_limited', { retry_after_ms: hit.retryAfterMs });
    }
    if (decision.requireCapability && request.capability === null) {
      throw new McpFailure('capability_required', { tool: request.tool });
    }
    if (request.capability !== null) {
      try {
        const claims = await this.capabilities.admit(request.capability, {
          subject: principal.id,
          server: request.server,
          tool: request.tool,
          toolSha256: tool.sha256,
          args,
        });
        trace.capabilityJti = claims.jti;
      } catch (error) {
        if (error instanceof CapabilityRefused) {
          trace.capabilityReason = error.reason;
          trace.capabilityJti = error.jti;
        }
        throw error;
      }
    }
    const started = process.hrtime.bigint();
    trace.result = 'failed';
    try {
      const result = await entry.connection.callTool(
        request.tool,
        args as Record<string, unknown>,
        entry.spec.timeoutMs,
      );
      trace.result = result.isError === true ? 'tool_error' : 'ok';
      return result;
    } finally {
      trace.upstreamMs = Number(process.hrtime.bigint() - started) / 1e6;
    }
  }
}
