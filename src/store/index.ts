export {
  isForeignKeyViolation,
  isUniqueViolation,
  type OpenStoreOptions,
  openStore,
  type SqliteSynchronous,
  type Store,
  type StoreDialect,
} from './connect.ts';
export { ConflictError, NotFoundError } from './errors.ts';
export { startPolling } from './polling.ts';
export { registerReplicaMetrics } from './replica-metrics.ts';
export {
  createReplicaRouter,
  type ReplicaRouter,
  type ReplicaRouterOptions,
  type ReplicaStatus,
} from './replica-router.ts';
export type { AdminTokenRecord, BindingRecord, RoleRecord, UserRecord } from './repositories/admin.ts';
export * as adminRepository from './repositories/admin.ts';
export * as auditRepository from './repositories/audit.ts';
export type { ConsoleSessionRecord } from './repositories/console-sessions.ts';
export * as consoleSessionsRepository from './repositories/console-sessions.ts';
export type { KeyRecord, NewKey } from './repositories/keys.ts';
export * as keysRepository from './repositories/keys.ts';
export type { LlmConfigKind, LlmConfigRow } from './repositories/llm.ts';
export * as llmRepository from './repositories/llm.ts';
export type { McpPinRow, McpServerRecord } from './repositories/mcp.ts';
export * as mcpRepository from './repositories/mcp.ts';
export * as mcpExtrasRepository from './repositories/mcp-extras.ts';
export type { ScopeSettingsRecord } from './repositories/scope-settings.ts';
export * as scopeSettingsRepository from './repositories/scope-settings.ts';
export type { SecretMetadata } from './repositories/secrets.ts';
export * as secretsRepository from './repositories/secrets.ts';
export type { TeamRecord, TenantRecord } from './repositories/tenants.ts';
export * as tenantsRepository from './repositories/tenants.ts';
export type {
  UsageFilter,
  UsageGroupBy,
  UsageIncrement,
  UsageRow,
} from './repositories/usage.ts';
export * as usageRepository from './repositories/usage.ts';
export type { VaultChanges, VaultCredentialRow, VaultGrantRow, VaultServiceRow } from './repositories/vault.ts';
export * as vaultRepository from './repositories/vault.ts';
export { RevisionSnapshot, type RevisionSnapshotOptions } from './revision-snapshot.ts';
export { currentRevision } from './revisions.ts';
export type { Database } from './schema.ts';
export { assertCurrent, type SchemaStatus, SchemaVersionError } from './schema-version.ts';
