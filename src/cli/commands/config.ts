import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { compileConfigServices } from '../../vault/index.ts';
import { parseWorkerCount, WorkerCountError } from '../../workers/worker-count.ts';
import { holdProcessOpen } from '../lifetime.ts';
import { CliError, type CliIo, configPathOf } from '../run.ts';

function workerCount(value: string): number {
  try {
    return parseWorkerCount(value);
  } catch (error) {
    throw error instanceof WorkerCountError ? new CliError(error.message, 2) : error;
  }
}

export function registerServerCommands(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('Run the gateway (same as npm start)')
    .option('--workers <n>', 'request processes behind the one port: a number, or auto for one per core')
    .action(async (options: { workers?: string }, command: Command) => {
      const configPath = configPathOf(command);
      // Refused before anything opens: a bad count names the flag, exit 2 (bad usage) as commander's own refusals.
      const workers = options.workers === undefined ? undefined : workerCount(options.workers);
      // A bad vault definition fails here, before serve() opens the store and Redis, so the exit (78) is immediate.
      compileConfigServices(loadConfig({ configPath }).file.vault);
      // Loaded on demand: every other command starts without the HTTP server's modules.
      const { serve } = await import('../../serve.ts');
      await serve(configPath, { workers });
      holdProcessOpen();
    });
  program
    .command('config')
    .description('Configuration')
    .command('check')
    .description('Validate the environment and config file and print the effective settings (no secrets)')
    .action((_options: unknown, command: Command) => {
      const config = loadConfig({ configPath: configPathOf(command) });
      // The vault's https/userinfo/dot-segment rules need code, not just the schema: checked here as at startup.
      const vaultServices = compileConfigServices(config.file.vault);
      io.out(
        JSON.stringify(
          {
            config_file: config.configFile,
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
            upstreams: (config.file.upstreams ?? []).map((upstream) => upstream.id),
            models: (config.file.models ?? []).map((model) => model.name),
            mcp_servers: config.mcp.servers.map((server) => server.id),
            vault_services: vaultServices.map((service) => service.id),
            // Header names only: OTLP headers carry the backend's credentials (Langfuse, vendors).
            telemetry: {
              service_name: config.telemetry.serviceName,
              traces: config.telemetry.traces && {
                endpoint: config.telemetry.traces.endpoint,
                sample_ratio: config.telemetry.traces.sampleRatio,
                headers: Object.keys(config.telemetry.traces.headers),
              },
              otlp_metrics: config.telemetry.metrics.otlp && {
                endpoint: config.telemetry.metrics.otlp.endpoint,
                interval_ms: config.telemetry.metrics.otlp.intervalMs,
                headers: Object.keys(config.telemetry.metrics.otlp.headers),
              },
              access_log: config.telemetry.accessLog,
            },
          },
          null,
          2,
        ),
      );
    });
}
