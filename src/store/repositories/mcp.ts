/**
 * MCP rows: admin-registered HTTP servers (credentials live in the secret store, never here), team tool
 * policies (JSON text, validated by the admin API before it gets here) and tool-definition pins.
 */
import type { Kysely } from 'kysely';
import { nextRevision } from '../revisions.ts';
import type { Database } from '../schema.ts';

export interface McpServerRecord {
  id: string;
  transport: 'streamable_http' | 'sse';
  url: string;
  description: string;
  settings: {
    timeoutMs: number | null;
    credentialHeader: string | null;
    hasCredential: boolean;
    /** Protocol era to speak upstream; absent in rows written before eras existed (= auto). */
    era?: 'auto' | 'legacy' | 'modern';
    /** Per-user OAuth settings (see src/mcp/oauth); absent = the server uses the gateway's credential. */
    oauth?: Record<string, unknown> | null;
  };
  createdAt: number;
  updatedAt: number;
}

export interface McpPinRow {
  serverId: string;
  toolName: string;
  approvedSha256: string | null;
  pendingSha256: string | null;
  pendingDefinition: string | null;
  approvedBy: string | null;
  updatedAt: number;
}

type Db = Kysely<Database>;

export async function listServers(db: Db): Promise<McpServerRecord[]> {
  const rows = await db.selectFrom('mcp_servers').selectAll().orderBy('id').execute();
  return rows.map((row) => ({
    id: row.id,
    transport: row.transport as McpServerRecord['transport'],
    url: row.url,
    description: row.description,
    settings: JSON.parse(row.settings),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }));
}

export async function upsertServer(db: Db, record: Omit<McpServerRecord, 'createdAt' | 'updatedAt'>): Promise<void> {
  const now = Date.now();
  await db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    const values = {
      transport: record.transport,
      url: record.url,
      description: record.description,
      settings: JSON.stringify(record.settings),
      updated_at: now,
      rev,
    };
    await trx
      .insertInto('mcp_servers')
      .values({ id: record.id, created_at: now, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  });
}

/** Deletes a server and takes a revision in the same transaction, so other instances notice on their next poll. */
export async function deleteServer(db: Db, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx.deleteFrom('mcp_servers').where('id', '=', id).executeTakeFirst();
    const deleted = Number(result.numDeletedRows) > 0;
    if (deleted) await nextRevision(trx);
    return deleted;
  });
}

export async function getPolicy(db: Db, teamId: string): Promise<{ policy: string; rev: number } | null> {
  const row = await db
    .selectFrom('mcp_policies')
    .select(['policy', 'rev'])
    .where('team_id', '=', teamId)
    .executeTakeFirst();
  return row ? { policy: row.policy, rev: Number(row.rev) } : null;
}

export async function putPolicy(db: Db, teamId: string, policy: string, updatedBy: string | null): Promise<void> {
  const now = Date.now();
  await db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    const values = { policy, updated_by: updatedBy, updated_at: now, rev };
    await trx
      .insertInto('mcp_policies')
      .values({ team_id: teamId, ...values })
      .onConflict((oc) => oc.column('team_id').doUpdateSet(values))
      .execute();
  });
}

export async function listPins(db: Db, serverId?: string): Promise<McpPinRow[]> {
  let query = db.selectFrom('mcp_tool_pins').selectAll();
  if (serverId !== undefined) query = query.where('server_id', '=', serverId);
  const rows = await query.orderBy('server_id').orderBy('tool_name').execute();
  return rows.map((row) => ({
    serverId: row.server_id,
    toolName: row.tool_name,
    approvedSha256: row.approved_sha256,
    pendingSha256: row.pending_sha256,
    pendingDefinition: row.pending_definition,
    approvedBy: row.approved_by,
    updatedAt: Number(row.updated_at),
  }));
}

export async function writePin(db: Db, pin: Omit<McpPinRow, 'updatedAt'>): Promise<void> {
  const values = {
    approved_sha256: pin.approvedSha256,
    pending_sha256: pin.pendingSha256,
    pending_definition: pin.pendingDefinition,
    approved_by: pin.approvedBy,
    updated_at: Date.now(),
  };
  await db
    .insertInto('mcp_tool_pins')
    .values({ server_id: pin.serverId, tool_name: pin.toolName, ...values })
    .onConflict((oc) => oc.columns(['server_id', 'tool_name']).doUpdateSet(values))
    .execute();
}

/** Approves the pending definition only if it is still `sha256` (compare-and-set: a newer change stays quarantined). */
export async function approvePin(db: Db, serverId: string, toolName: string, sha256: string, by: string | null) {
  const result = await db
    .updateTable('mcp_tool_pins')
    .set({
      approved_sha256: sha256,
      pending_sha256: null,
      pending_definition: null,
      approved_by: by,
      updated_at: Date.now(),
    })
    .where('server_id', '=', serverId)
    .where('tool_name', '=', toolName)
    .where('pending_sha256', '=', sha256)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
