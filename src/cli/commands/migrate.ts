import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { openStore, type SchemaStatus } from '../../store/index.ts';
import { CliError, type CliIo, configPathOf } from '../run.ts';

function describeStatus(status: SchemaStatus): string {
  const at = status.name === null ? 'version 0 (empty)' : `version ${status.version} (${status.name})`;
  return `database at ${at}; this build at version ${status.required} (${status.requiredName})`;
}

/**
 * `gatehouse migrate`: the one step of an upgrade that changes the database, run once with the new build before its
 * replicas start (they run with `GATEHOUSE_MIGRATE=off` and refuse any other schema). Needs the store only: no
 * master key check, no services.
 */
export function registerMigrateCommands(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description("Apply this build's pending database migrations (--status: only report the versions)")
    .option('--status', 'report the versions and exit: 0 when current, 1 when migrations are pending')
    .option('--json', 'print JSON')
    .action(async (options: { status?: boolean; json?: boolean }, command: Command) => {
      const config = loadConfig({ configPath: configPathOf(command) });
      const store = openStore({ dataDir: config.dataDir, writeUrl: config.databaseWriteUrl });
      try {
        const before = await store.schemaStatus();
        if (!options.status) await store.migrate();
        const after = options.status ? before : await store.schemaStatus();
        io.out(
          options.json
            ? JSON.stringify({ from: before.version, ...after })
            : options.status || before.version === after.version
              ? describeStatus(after)
              : `migrated from version ${before.version} to ${after.version}: ${describeStatus(after)}`,
        );
        if (after.unknown.length > 0) throw new CliError('the database is newer than this build');
        if (after.version < after.required) throw new CliError('migrations are pending: run `gatehouse migrate`');
      } finally {
        await store.close();
      }
    });
}
