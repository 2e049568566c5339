import type { Migration, MigrationProvider } from 'kysely';
import { coreMigration } from './001-core.ts';
import { adminMigration } from './002-admin.ts';
import { mcpMigration } from './005-mcp.ts';
import { vaultMigration } from './006-vault.ts';

/** Ordered migrations; names sort lexically, so they carry a zero-padded sequence number. */
const migrations: Record<string, Migration> = {
  '001-core': coreMigration,
  '005-mcp': mcpMigration,
  '006-vault': vaultMigration,
  '002-admin': adminMigration,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

export const LATEST_MIGRATION = Object.keys(migrations).sort().at(-1) as string;
