import type { Kysely, Migration } from 'kysely';

/**
 * MCP virtual servers (a named subset of several servers' tools, prompts and resources) and the pending per-user
 * OAuth authorizations of upstream servers (state → PKCE verifier, one row per started flow, deleted on use).
 */
export const mcpVirtualOauthMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('mcp_virtual_servers')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('rev', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('mcp_oauth_flows')
      .addColumn('state', 'text', (c) => c.primaryKey())
      .addColumn('server_id', 'text', (c) => c.notNull())
      .addColumn('principal_id', 'text', (c) => c.notNull())
      .addColumn('verifier', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('mcp_oauth_flows').execute();
    await db.schema.dropTable('mcp_virtual_servers').execute();
  },
};
