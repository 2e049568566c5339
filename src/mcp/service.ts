/**
 * @module The MCP gateway service: the registry, policies, pins and capabilities behind every MCP surface, so the
 * REST surface, `/mcp`, the per-server and the virtual endpoints, in either protocol era, can never disagree.
 * Listing is `listing.ts`, tool calls `tool-call.ts`, the other operations `operations.ts`; this facade wires them
 * and carries catalog events (list changes, resource updates) to the endpoints' open streams.
 */
import { isServerVisible, isToolVisible, NAMESPACE_SEPARATOR } from '../domain/mcp/index.ts';
import type { Principal } from '../domain/principal.ts';
import { ArgumentValidator } from './argument-validator.ts';
import { CapabilityGuard, type ReplayGuard } from './capabilities.ts';
import type { McpConfig } from './config.ts';
import { McpFailure, RpcError } from './errors.ts';
import { type ListMethod, listForView, resolveListedTool } from './listing.ts';
import * as operations from './operations.ts';
import type { PinBook } from './pins.ts';
import type { ToolPolicyService } from './policy.ts';
import type { CatalogEvent, CatalogTool, McpRegistry, ServerEntry } from './registry.ts';
import type { SessionSealer } from './session.ts';
import type { McpStoreSync } from './store-sync.ts';
import {
  type CallRequest,
  CallTrace,
  executeToolCall,
  type RateLimiter,
  type ToolCallDeps,
  type ToolCallObserver,
} from './tool-call.ts';
import type { UpstreamConnection } from './upstream.ts';
import type { UserConnections } from './user-connections.ts';
import type { UserOAuth } from './user-oauth.ts';
import type { McpView } from './views.ts';
import type { VirtualServerStore } from './virtual-servers.ts';
import { type CallSinks, type JsonObject, NO_SINKS } from './wire.ts';

/** The shared-state calls MCP needs (`SharedState` from src/state satisfies it). */
export interface McpSharedState extends ReplayGuard, RateLimiter {}

export interface ServerView {
  id: string;
  description: string;
  transport: string;
  status: string;
}

/** Picks the upstream connection for a call: per-user OAuth servers get the principal's own. */
export type ConnectionResolver = (entry: ServerEntry, principal: Principal) => Promise<UpstreamConnection>;

export class McpService {
  readonly config: McpConfig;
  readonly registry: McpRegistry;
  readonly policies: ToolPolicyService;
  readonly capabilities: CapabilityGuard;
  readonly pins: PinBook;
  readonly sessions: SessionSealer;
  readonly virtualServers: VirtualServerStore;
  readonly validator = new ArgumentValidator();
  private readonly storeSync: McpStoreSync | null;
  private readonly listeners = new Set<(event: CatalogEvent) => void>();
  private readonly subscriptionCounts = new Map<string, number>();
  private readonly subscribing = new Map<string, Promise<void>>();
  private readonly deps: ToolCallDeps;
  private readonly noticed = new Set<string>();
  /** Per-user OAuth upstreams' grants and connections; null when no server uses per-user OAuth. */
  readonly users: { oauth: UserOAuth; connections: UserConnections } | null;

  constructor(options: {
    config: McpConfig;
    registry: McpRegistry;
    policies: ToolPolicyService;
    pins: PinBook;
    sessions: SessionSealer;
    state: McpSharedState;
    virtualServers: VirtualServerStore;
    storeSync?: McpStoreSync;
    connectionFor?: ConnectionResolver;
    users?: { oauth: UserOAuth; connections: UserConnections };
    onToolCall?: ToolCallObserver;
  }) {
    this.config = options.config;
    this.registry = options.registry;
    this.policies = options.policies;
    this.pins = options.pins;
    this.sessions = options.sessions;
    this.virtualServers = options.virtualServers;
    this.storeSync = options.storeSync ?? null;
    this.users = options.users ?? null;
    const connections = this.users?.connections;
    this.capabilities = new CapabilityGuard(options.config.capabilities, options.state);
    this.deps = {
      config: this.config,
      registry: this.registry,
      policies: this.policies,
      capabilities: this.capabilities,
      validator: this.validator,
      limiter: options.state,
      connectionFor:
        options.connectionFor ??
        (connections
          ? (entry, principal) => connections.connectionFor(entry, principal)
          : async (entry) => entry.connection),
      authorize: connections ? (entry, principal) => connections.authorize(entry, principal) : async () => {},
      onToolCall: options.onToolCall ?? (() => {}),
    };
  }

  /** Registers a listener for catalog events; returns the unsubscribe function. */
  onCatalogEvent(listener: (event: CatalogEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called by the registry (wired in create.ts). */
  publish(event: CatalogEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** True the first time a (team, notice) pair is seen on this instance: such a notice is logged once. */
  firstNotice(teamId: string | null, notice: string): boolean {
    const key = `${teamId ?? '-'}\u0000${notice}`;
    if (this.noticed.has(key)) return false;
    this.noticed.add(key);
    return true;
  }

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
    await this.users?.connections.close();
    await this.registry.close();
  }

  async listServers(principal: Principal): Promise<ServerView[]> {
    const { compiled } = await this.policies.forTeam(principal.teamId);
    return this.registry
      .servers()
      .filter((entry) => isServerVisible(compiled, entry.spec.id))
      .map((entry) => ({
        id: entry.spec.id,
        description: entry.spec.description,
        transport: entry.spec.transport,
        status: entry.connection.state,
      }));
  }

  /** The server's approved tools the caller's policy lets it see (the REST listing). */
  async listTools(principal: Principal, serverId: string): Promise<CatalogTool[]> {
    const { compiled } = await this.policies.forTeam(principal.teamId);
    const entry = this.registry.server(serverId);
    if (!entry || !isServerVisible(compiled, serverId)) {
      throw new McpFailure('mcp_server_not_found', { server: serverId }, { param: 'server' });
    }
    await this.as(principal, async () => {
      await this.deps.authorize(entry, principal);
      await this.registry.catalog(entry);
    });
    return [...entry.tools.values()].filter(
      (tool) => tool.status === 'approved' && isToolVisible(compiled, serverId, tool.tool.name),
    );
  }

  list(principal: Principal, view: McpView, method: ListMethod) {
    return this.as(principal, () => listForView(this, principal, view, method));
  }

  /** The tool a namespaced view's exposed name stands for in this caller's `tools/list` (see `resolveListedTool`). */
  resolveTool(principal: Principal, view: McpView, exposed: string) {
    return this.as(principal, () => resolveListedTool(this, principal, view, exposed));
  }

  /** A per-user OAuth server is listed only with a grant of the caller's (its token makes the listing). */
  async mayList(entry: ServerEntry, principal: Principal): Promise<boolean> {
    const users = this.users;
    return !users?.oauth.has(entry.spec.id) || (await users.connections.hasOrExchanges(entry.spec.id, principal));
  }

  /**
   * Throws `mcp_authorization_required` when `exposed` names a tool of a per-user OAuth server in the view that the
   * caller's policy reaches but the caller holds no grant for (its tools were never listed for this caller).
   */
  async requireGrantForName(principal: Principal, view: McpView, exposed: string): Promise<void> {
    const oauth = this.users?.oauth;
    if (!oauth) return;
    const { compiled } = await this.policies.forTeam(principal.teamId);
    for (const entry of this.registry.servers()) {
      const id = entry.spec.id;
      if (!oauth.has(id) || !view.includesServer(id) || !isServerVisible(compiled, id)) continue;
      if (!exposed.startsWith(`${id}${NAMESPACE_SEPARATOR}`)) continue;
      if (!(await this.users?.connections.hasOrExchanges(id, principal)))
        throw await oauth.authorizationRequired(id, principal.id);
    }
  }

  /**
   * Runs one request's work with the caller's own bearer token (an OIDC JWT, never a virtual key) available for
   * RFC 8693 exchange at per-user servers configured with `token_exchange`.
   */
  withSubjectToken<T>(token: string | null, work: () => Promise<T>): Promise<T> {
    return this.users && token !== null ? this.users.connections.withSubjectToken(token, work) : work();
  }

  /** Runs work as the principal: a per-user server's shared listing connection sends that principal's token. */
  private as<T>(principal: Principal, work: () => Promise<T>): Promise<T> {
    return this.users ? this.users.connections.as(principal, work) : work();
  }

  callTool(
    principal: Principal,
    request: CallRequest,
    trace: CallTrace,
    sinks: CallSinks = NO_SINKS,
  ): Promise<JsonObject> {
    return this.as(principal, () => executeToolCall(this.deps, principal, request, trace, sinks));
  }

  getPrompt(context: operations.OperationContext, params: JsonObject) {
    return this.as(context.principal, () => operations.getPrompt(this.deps, context, params));
  }

  readResource(context: operations.OperationContext, params: JsonObject) {
    return this.as(context.principal, () => operations.readResource(this.deps, context, params));
  }

  complete(context: operations.OperationContext, params: JsonObject) {
    return this.as(context.principal, () => operations.complete(this.deps, context, params));
  }

  /**
   * Subscribes upstream once per (server, URI) however many clients subscribe (the upstream connection is shared);
   * returns the key the caller's stream filters `resources/updated` events on. A refused or failed upstream
   * subscription fails the caller's and counts no subscriber.
   */
  async subscribe(
    context: operations.OperationContext,
    params: JsonObject,
  ): Promise<{ server: string; uri: string; exposed: string }> {
    const { entry, uri, exposed } = await operations.subscriptionTarget(this.deps, context, params);
    const key = subscriptionKey(entry.spec.id, uri);
    if ((this.subscriptionCounts.get(key) ?? 0) === 0) {
      // Single-flight: clients subscribing at once share the one upstream request and its outcome.
      let pending = this.subscribing.get(key);
      if (pending === undefined) {
        pending = subscribeUpstream(entry, uri).finally(() => this.subscribing.delete(key));
        this.subscribing.set(key, pending);
      }
      await pending;
    }
    this.subscriptionCounts.set(key, (this.subscriptionCounts.get(key) ?? 0) + 1);
    return { server: entry.spec.id, uri, exposed };
  }

  /**
   * Subscribes a reconnected server's new process or session (which knows nothing of the old one's subscriptions)
   * to every URI some session still holds, once per URI.
   */
  async resubscribe(server: string): Promise<void> {
    const entry = this.registry.server(server);
    if (entry === undefined) return;
    const prefix = subscriptionKey(server, '');
    const uris = [...this.subscriptionCounts.keys()]
      .filter((key) => key.startsWith(prefix))
      .map((key) => key.slice(prefix.length));
    const outcomes = await Promise.allSettled(uris.map((uri) => subscribeUpstream(entry, uri)));
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected').length;
    if (failed > 0) {
      throw new McpFailure('mcp_upstream_error', {
        server,
        detail: `${failed} of ${uris.length} resource subscriptions could not be renewed`,
      });
    }
  }

  async unsubscribe(server: string, uri: string): Promise<void> {
    const key = subscriptionKey(server, uri);
    const count = this.subscriptionCounts.get(key) ?? 0;
    if (count <= 1) {
      this.subscriptionCounts.delete(key);
      const entry = this.registry.server(server);
      if (count === 1 && entry?.connection.state === 'ready') {
        await entry.connection.ownRequest('resources/unsubscribe', { uri }).catch(() => ({}));
      }
      return;
    }
    this.subscriptionCounts.set(key, count - 1);
  }
}

function subscriptionKey(server: string, uri: string): string {
  return `${server}\u0000${uri}`;
}

/**
 * The gateway's own upstream subscription, shared by every subscriber, so a refusal is reported as the gateway's
 * failure with the server's error code and without its message (which may name the server's internals).
 */
async function subscribeUpstream(entry: ServerEntry, uri: string): Promise<void> {
  const info = entry.connection.info;
  // 2026-07-28 has no `resources/subscribe` (a client names its URIs in `subscriptions/listen`), so a 2026 server
  // is not asked.
  if (info === null || info.era === 'modern' || info.capabilities.resources === undefined) return;
  try {
    await entry.connection.ownRequest('resources/subscribe', { uri });
  } catch (error) {
    if (!(error instanceof RpcError)) throw error;
    throw new McpFailure(
      'mcp_upstream_error',
      { server: entry.spec.id, detail: `resources/subscribe was refused (JSON-RPC error ${error.code})` },
      { cause: error },
    );
  }
}

export { type CallRequest, CallTrace };
