import type { Migration, MigrationProvider } from 'kysely';
import { coreMigration } from './001-core.ts';
import { adminMigration } from './002-admin.ts';
import { usageMigration } from './003-usage.ts';
import { llmMigration } from './004-llm.ts';
import { mcpMigration } from './005-mcp.ts';
import { vaultMigration } from './006-vault.ts';
import { regionHeartbeatsMigration } from './007-region-heartbeats.ts';
import { auditSearchMigration } from './008-audit-search.ts';
import { auditExportMigration } from './009-audit-export.ts';
import { promptLogsMigration } from './010-prompt-logs.ts';
import { consoleSessionsMigration } from './011-console-sessions.ts';
import { mcpVirtualOauthMigration } from './012-mcp-virtual-oauth.ts';
import { usageSessionsMigration } from './013-usage-sessions.ts';
import { llmPricesMigration } from './014-llm-prices.ts';

/** Ordered migrations; names sort lexically, so they carry a zero-padded sequence number. */
const migrations: Record<string, Migration> = {
  '001-core': coreMigration,
  '004-llm': llmMigration,
  '005-mcp': mcpMigration,
  '006-vault': vaultMigration,
  '007-region-heartbeats': regionHeartbeatsMigration,
  '008-audit-search': auditSearchMigration,
  '009-audit-export': auditExportMigration,
  '010-prompt-logs': promptLogsMigration,
  '011-console-sessions': consoleSessionsMigration,
  '012-mcp-virtual-oauth': mcpVirtualOauthMigration,
  '013-usage-sessions': usageSessionsMigration,
  '014-llm-prices': llmPricesMigration,
  '002-admin': adminMigration,
  '003-usage': usageMigration,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

/** Every migration this build has, in the order they apply. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(migrations).sort();

export const LATEST_MIGRATION = MIGRATION_NAMES.at(-1) as string;
