/**
 * The one Kysely schema shared by SQLite and PostgreSQL. Times are epoch milliseconds (bigint), JSON documents are
 * text, and flags are nullable timestamps, so every column means the same thing on both engines.
 */
export interface RevisionsTable {
  id: number;
  rev: number;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface TenantsTable {
  id: string;
  name: string;
  settings: string;
  created_at: number;
  updated_at: number;
  rev: number;
}

export interface TeamsTable {
  id: string;
  tenant_id: string;
  name: string;
  settings: string;
  created_at: number;
  updated_at: number;
  rev: number;
}

export interface UsersTable {
  id: string;
  tenant_id: string | null;
  email: string;
  name: string;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
}

export interface VirtualKeysTable {
  id: string;
  tenant_id: string;
  team_id: string;
  name: string;
  prefix: string;
  hash: string;
  hash_mode: string;
  settings: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  rotated_to: string | null;
  rev: number;
}

export interface SecretsTable {
  id: string;
  owner: string;
  name: string;
  kek_id: string;
  envelope: string;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface KeyChecksTable {
  kek_id: string;
  kcv: string;
  created_at: number;
}

export interface AuditChainsTable {
  chain_id: string;
  region: string;
  started_at: number;
  head_seq: number;
  head_hash: string;
  updated_at: number;
}

export interface AuditEventsTable {
  chain_id: string;
  seq: number;
  id: string;
  ts: string;
  request_id: string;
  principal_id: string | null;
  tenant_id: string | null;
  surface: string;
  status: number;
  outcome: string;
  hash: string;
  body: string;
  team_id: string | null;
  model: string | null;
  trace_id: string | null;
  session_id: string | null;
}

export interface AuditExportCursorsTable {
  sink: string;
  chain_id: string;
  seq: number;
  updated_at: number;
}

export interface PromptLogsTable {
  request_id: string;
  key_id: string;
  tenant_id: string | null;
  team_id: string | null;
  created_at: number;
  expires_at: number;
  envelope: string;
}

export interface AdminTokensTable {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  hash: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  rev: number;
}

export interface RolesTable {
  name: string;
  description: string;
  permissions: string;
  includes: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  version: number;
  rev: number;
}

export interface BindingsTable {
  id: string;
  principal: string;
  role: string;
  scope: string;
  effect: string;
  created_by: string | null;
  created_at: number;
  deleted_at: number | null;
  rev: number;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  status: number;
  response: string;
  created_at: number;
}

export interface VaultServicesTable {
  id: string;
  definition: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  rev: number;
}

export interface VaultGrantsTable {
  key_id: string;
  service: string;
  created_at: number;
  revoked_at: number | null;
  rev: number;
}

export interface VaultCredentialsTable {
  service: string;
  /** `service`, `tenant:<id>` or `key:<id>`: whose account of the service this is. */
  scope: string;
  secret_id: string;
  version: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  rev: number;
}

export interface VaultIdempotencyTable {
  id: string;
  key_id: string;
  service: string;
  idempotency_key: string;
  request_hash: string;
  /** Null while the first request is still in flight. */
  status: number | null;
  /** The first response as a secret envelope (JSON), null while in flight. */
  response: string | null;
  created_at: number;
  expires_at: number;
}

export interface McpServersTable {
  id: string;
  transport: string;
  url: string;
  description: string;
  settings: string;
  created_at: number;
  updated_at: number;
  rev: number;
}

export interface McpPoliciesTable {
  team_id: string;
  policy: string;
  updated_by: string | null;
  updated_at: number;
  rev: number;
}

export interface McpToolPinsTable {
  server_id: string;
  tool_name: string;
  approved_sha256: string | null;
  pending_sha256: string | null;
  pending_definition: string | null;
  approved_by: string | null;
  updated_at: number;
}

/** Admin-defined LLM upstreams, model groups and prices (`spec` is JSON without secrets; `id` a group's or model's name). */
export interface LlmConfigTable {
  id: string;
  spec: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  rev: number;
}

/** The spend ledger (migration 003): one row per UTC day, tenant, team, key and model. */
export interface UsageDailyTable {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  tenant_id: string;
  team_id: string;
  key_id: string;
  /** `''` for requests that name no model (MCP, vault). */
  model: string;
  /** The agent session (migration 013); `''` for requests without one. */
  session: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  /** Requests, and their tokens, of models with no price: counted here, costed at 0. */
  unpriced_requests: number;
  unpriced_tokens: number;
  cost_usd: number;
  updated_at: number;
}

/** One row per gateway instance; its age as read from the replica is the replication lag. */
export interface RegionHeartbeatsTable {
  instance_id: string;
  region_id: string;
  beat_at: number;
}

/** MCP virtual servers (migration 012): `definition` is the JSON of members and description. */
export interface McpVirtualServersTable {
  name: string;
  definition: string;
  updated_by: string | null;
  updated_at: number;
  rev: number;
}

/** Pending per-user OAuth authorizations of MCP upstreams (migration 012). */
export interface McpOauthFlowsTable {
  state: string;
  server_id: string;
  principal_id: string;
  verifier: string;
  created_at: number;
}

/** A console sign-in: the cookie's id is never stored, only its SHA-256. */
export interface ConsoleSessionsTable {
  id_hash: string;
  /** `token` (an admin token pasted once) or `oidc` (authorization code + PKCE). */
  kind: string;
  /** The admin token id (`token`), or the `jwt:<issuer>#<subject>` principal (`oidc`). */
  subject: string;
  /** JSON: for `oidc`, the role bindings and display name taken from the ID token; `{}` for `token`. */
  claims: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface Database {
  console_sessions: ConsoleSessionsTable;
  mcp_virtual_servers: McpVirtualServersTable;
  mcp_oauth_flows: McpOauthFlowsTable;
  region_heartbeats: RegionHeartbeatsTable;
  usage_daily: UsageDailyTable;
  llm_upstreams: LlmConfigTable;
  llm_model_groups: LlmConfigTable;
  /** Admin-set model prices (migration 014); `id` is the model name. */
  llm_prices: LlmConfigTable;
  mcp_servers: McpServersTable;
  mcp_policies: McpPoliciesTable;
  mcp_tool_pins: McpToolPinsTable;
  admin_tokens: AdminTokensTable;
  roles: RolesTable;
  bindings: BindingsTable;
  idempotency_keys: IdempotencyKeysTable;
  revisions: RevisionsTable;
  meta: MetaTable;
  tenants: TenantsTable;
  teams: TeamsTable;
  users: UsersTable;
  virtual_keys: VirtualKeysTable;
  secrets: SecretsTable;
  key_checks: KeyChecksTable;
  audit_chains: AuditChainsTable;
  audit_events: AuditEventsTable;
  audit_export_cursors: AuditExportCursorsTable;
  prompt_logs: PromptLogsTable;
  vault_services: VaultServicesTable;
  vault_grants: VaultGrantsTable;
  vault_credentials: VaultCredentialsTable;
  vault_idempotency: VaultIdempotencyTable;
}
