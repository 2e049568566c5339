/**
 * @module The MCP tool gateway: upstream connections (stdio in a process group with a minimal environment,
 * streamable HTTP, legacy SSE), the registry and pin book (quarantine of changed definitions), team tool
 * policy, signed capabilities, and sealed session ids. `createMcpService` wires them from config.
 */
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
export { McpFailure, type McpFailureCode } from './errors.ts';
export { PinBook } from './pins.ts';
export { PolicyValidationError, parseToolPolicy, type RevisionSource, ToolPolicyService } from './policy.ts';
export { QUARANTINE_SURFACE, quarantineAuditDraft } from './quarantine-audit.ts';
export { type CatalogTool, McpRegistry, type QuarantineEvent, type ServerEntry } from './registry.ts';
export {
  type AggregatedTool,
  type CallRequest,
  CallTrace,
  McpService,
  type McpSharedState,
  type ServerView,
} from './service.ts';
export { type McpSession, SessionSealer } from './session.ts';
export { minimalEnvironment, ProcessGroupStdioTransport } from './stdio-transport.ts';
export { MCP_SECRET_OWNER_PREFIX, McpStoreSync, type McpStoreSyncOptions, specFromRecord } from './store-sync.ts';
export { UpstreamConnection } from './upstream.ts';
