/**
 * @module The MCP gateway: upstream connections of either protocol era (stdio in a process group with a minimal
 * environment, streamable HTTP, legacy SSE), the registry and pin book (quarantine of changed tools, prompts and
 * resource templates), team policy per kind, views (aggregate, per-server, virtual), tool calls and the other
 * relayed operations, signed capabilities, sealed session and request state, and the era adapters the HTTP edge
 * drives. `createMcpService` wires them from config.
 */

export { McpAdmin, McpAdminError, type PinListing, type ServerListing, type ServerRegistration } from './admin.ts';
export { ArgumentValidator } from './argument-validator.ts';
export { CapabilityGuard, CapabilityRefused, type ReplayGuard } from './capabilities.ts';
export {
  type HttpServerSpec,
  type McpConfig,
  type McpFileSection,
  McpFileSectionSchema,
  type McpServerSpec,
  resolveMcpConfig,
  type StdioServerSpec,
} from './config.ts';
export { type CreateMcpServiceOptions, createMcpService } from './create.ts';
export {
  CAPABILITY_META_KEY,
  type EdgeOutcome,
  type EdgeRequest,
  type EdgeResponder,
  type ErrorRenderer,
  INVALID_JSON,
  McpEdge,
  NodeSseStream,
  type RpcErrorObject,
  SESSION_HEADER,
  type SseStream,
} from './edge/index.ts';
export { McpFailure, type McpFailureCode, RpcError, UpstreamRpcError } from './errors.ts';
export { withUpstreamTrace } from './lifecycle-span.ts';
export { GATEHOUSE_META, type ListMethod } from './listing.ts';
export type { OperationContext } from './operations.ts';
export { PinBook } from './pins.ts';
export { PolicyValidationError, parseToolPolicy, type RevisionSource, ToolPolicyService } from './policy.ts';
export { QUARANTINE_SURFACE, quarantineAuditDraft } from './quarantine-audit.ts';
export {
  type CatalogEvent,
  type CatalogTool,
  McpRegistry,
  type QuarantineEvent,
  type ServerEntry,
} from './registry.ts';
export { type CallRequest, CallTrace, McpService, type McpSharedState, type ServerView } from './service.ts';
export { type McpSession, SessionSealer } from './session.ts';
export { minimalEnvironment, ProcessGroupStdioTransport } from './stdio-transport.ts';
export { MCP_SECRET_OWNER_PREFIX, McpStoreSync, type McpStoreSyncOptions, specFromRecord } from './store-sync.ts';
export { UpstreamConnection } from './upstream.ts';
export { UserConnections } from './user-connections.ts';
export {
  type CallbackFailure,
  GRANT_OWNER_PREFIX,
  type UserGrant,
  UserOAuth,
  UserOAuthCallbackError,
  type UserOAuthSpec,
  userOAuthFromConfig,
} from './user-oauth.ts';
export { McpView, type VirtualServerDefinition } from './views.ts';
export {
  parseVirtualServer,
  VIRTUAL_NAME_PATTERN,
  type VirtualServerBody,
  VirtualServerBodySchema,
  VirtualServerStore,
} from './virtual-servers.ts';
export * from './wire.ts';
