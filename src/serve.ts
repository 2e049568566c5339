import cluster from 'node:cluster';
import { ConfigError, type GatehouseConfig, loadConfig } from './config/index.ts';
import { createGateway } from './gateway.ts';
import { tuneV8ForGateway } from './process-tuning.ts';
import { MasterKeyMismatchError } from './secrets/index.ts';
import { createIpcSharedState, processChannel } from './state/index.ts';
import { SchemaVersionError } from './store/index.ts';
import { superviseWorkers, WORKER_STATE_ENV } from './workers/supervisor.ts';

export interface ServeOptions {
  /** Request processes behind the one port (`--workers`); absent: this process serves alone. */
  workers?: number;
}

/** Configuration the operator must fix: said in one line, exit 78 (EX_CONFIG). */
function exitOnConfigurationError(error: unknown): void {
  if (error instanceof ConfigError || error instanceof MasterKeyMismatchError || error instanceof SchemaVersionError) {
    process.stderr.write(`gatehouse: ${error.message}\n`);
    // Exit now: connections opened before the check failed (Redis, a PostgreSQL pool) would keep the process alive.
    process.exit(78);
  }
}

/**
 * Config → gateway → listen; SIGTERM/SIGINT drain in-flight requests and the audit queue, then exit. With `workers`,
 * this process supervises that many workers (`workers/supervisor.ts`), each of which runs this function again.
 */
export async function serve(configPath: string | null, options: ServeOptions = {}): Promise<void> {
  let config: GatehouseConfig;
  try {
    config = loadConfig({ configPath });
    if (options.workers !== undefined && cluster.isPrimary) {
      await superviseWorkers({ config, workers: options.workers });
      return;
    }
  } catch (error) {
    exitOnConfigurationError(error);
    throw error;
  }
  tuneV8ForGateway();
  const channel = cluster.isWorker && process.env[WORKER_STATE_ENV] === 'ipc' ? processChannel() : null;
  let gateway: Awaited<ReturnType<typeof createGateway>>;
  try {
    gateway = await createGateway(config, channel === null ? {} : { state: createIpcSharedState({ channel }) });
    await gateway.app.listen({ host: config.host, port: config.port });
  } catch (error) {
    exitOnConfigurationError(error);
    throw error;
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.logger.info({ signal }, 'shutting down: draining requests and audit queue');
    gateway.close().then(
      () => process.exit(0),
      (error) => {
        gateway.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // `on`, not `once`: a second signal must not kill a draining process. A `--workers` worker gets two whenever the
  // whole process group is signalled (Ctrl-C in a terminal, `timeout`): one directly and one from its primary.
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
