import type { Migration, MigrationProvider } from 'kysely';
import { coreMigration } from './001-core.ts';

/** Ordered migrations; names sort lexically, so they carry a zero-padded sequence number. */
const migrations: Record<string, Migration> = {
  '001-core': coreMigration,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

export const LATEST_MIGRATION = Object.keys(migrations).sort().at(-1) as string;
