import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { serve } from '../../serve.ts';
import { type CliIo, configPathOf } from '../run.ts';

export function registerServerCommands(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('Run the gateway (same as npm start)')
    .action(async (_options: unknown, command: Command) => {
      await serve(configPathOf(command));
    });
  program
    .command('config')
    .description('Configuration')
    .command('check')
    .description('Validate the environment and config file and print the effective settings (no secrets)')
    .action((_options: unknown, command: Command) => {
      const config = loadConfig({ configPath: configPathOf(command) });
      io.out(
        JSON.stringify(
          {
            host: config.host,
            port: config.port,
            data_dir: config.dataDir,
            region_id: config.regionId,
            store: config.databaseWriteUrl ? 'postgres' : 'sqlite',
            read_replica: config.databaseReadUrl !== null,
            shared_state: config.redisUrl ? 'redis' : 'memory',
            key_hashing: config.keyHashing,
            kek_id: config.masterKeys.current.id,
            previous_kek_ids: config.masterKeys.previous.map((key) => key.id),
            development_master_key: config.masterKeys.generated,
            body_limit_bytes: config.bodyLimitBytes,
          },
          null,
          2,
        ),
      );
    });
}
