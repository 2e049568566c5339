/** MCP virtual servers and pending per-user OAuth authorizations (migration 009). */
import type { Kysely, Transaction } from 'kysely';
import { nextRevision } from '../revisions.ts';
import type { Database } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface VirtualServerRow {
  name: string;
  definition: string;
  updatedBy: string | null;
  updatedAt: number;
}

export async function listVirtualServers(db: Db): Promise<VirtualServerRow[]> {
  const rows = await db.selectFrom('mcp_virtual_servers').selectAll().orderBy('name').execute();
  return rows.map((row) => ({
    name: row.name,
    definition: row.definition,
    updatedBy: row.updated_by,
    updatedAt: Number(row.updated_at),
  }));
}

export async function putVirtualServer(db: Kysely<Database>, name: string, definition: string, by: string | null) {
  const now = Date.now();
  await db.transaction().execute(async (trx) => {
    const rev = await nextRevision(trx);
    const values = { definition, updated_by: by, updated_at: now, rev };
    await trx
      .insertInto('mcp_virtual_servers')
      .values({ name, ...values })
      .onConflict((oc) => oc.column('name').doUpdateSet(values))
      .execute();
  });
}

export async function deleteVirtualServer(db: Kysely<Database>, name: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx.deleteFrom('mcp_virtual_servers').where('name', '=', name).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return false;
    await nextRevision(trx);
    return true;
  });
}

export interface OauthFlowRow {
  state: string;
  serverId: string;
  principalId: string;
  verifier: string;
  createdAt: number;
}

export async function insertOauthFlow(db: Db, flow: OauthFlowRow): Promise<void> {
  await db
    .insertInto('mcp_oauth_flows')
    .values({
      state: flow.state,
      server_id: flow.serverId,
      principal_id: flow.principalId,
      verifier: flow.verifier,
      created_at: flow.createdAt,
    })
    .execute();
}

/** Deletes and returns the flow: a `state` is good for one callback only (RFC 6749 §10.12, replay). */
export async function takeOauthFlow(db: Kysely<Database>, state: string): Promise<OauthFlowRow | null> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('mcp_oauth_flows').selectAll().where('state', '=', state).executeTakeFirst();
    if (!row) return null;
    await trx.deleteFrom('mcp_oauth_flows').where('state', '=', state).execute();
    return {
      state: row.state,
      serverId: row.server_id,
      principalId: row.principal_id,
      verifier: row.verifier,
      createdAt: Number(row.created_at),
    };
  });
}

/** Drops flows older than `before` (abandoned browser tabs). */
export async function pruneOauthFlows(db: Db, before: number): Promise<void> {
  await db.deleteFrom('mcp_oauth_flows').where('created_at', '<', before).execute();
}
