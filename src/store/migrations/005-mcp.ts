import type { Kysely, Migration } from 'kysely';

/** MCP: admin-registered HTTP servers, team tool policies, and tool-definition pins (quarantine). */
export const mcpMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('mcp_servers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('transport', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('rev', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('mcp_policies')
      .addColumn('team_id', 'text', (c) => c.primaryKey().references('teams.id'))
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('rev', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('mcp_tool_pins')
      .addColumn('server_id', 'text', (c) => c.notNull())
      .addColumn('tool_name', 'text', (c) => c.notNull())
      .addColumn('approved_sha256', 'text')
      .addColumn('pending_sha256', 'text')
      .addColumn('pending_definition', 'text')
      .addColumn('approved_by', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('mcp_tool_pins_pk', ['server_id', 'tool_name'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('mcp_tool_pins').execute();
    await db.schema.dropTable('mcp_policies').execute();
    await db.schema.dropTable('mcp_servers').execute();
  },
};
