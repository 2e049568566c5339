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
}

export interface Database {
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
}
