import { ConfigError, loadConfig } from './config/index.ts';
import { createGateway } from './gateway.ts';
import { tuneV8ForGateway } from './process-tuning.ts';
import { MasterKeyMismatchError } from './secrets/index.ts';
import { SchemaVersionError } from './store/index.ts';

/** Config → gateway → listen; SIGTERM/SIGINT drain in-flight requests and the audit queue, then exit. */
export async function serve(configPath: string | null): Promise<void> {
  tuneV8ForGateway();
  let gateway: Awaited<ReturnType<typeof createGateway>>;
  try {
    const config = loadConfig({ configPath });
    gateway = await createGateway(config);
    await gateway.app.listen({ host: config.host, port: config.port });
  } catch (error) {
    if (
      error instanceof ConfigError ||
      error instanceof MasterKeyMismatchError ||
      error instanceof SchemaVersionError
    ) {
      process.stderr.write(`gatehouse: ${error.message}\n`);
      // Exit now: connections opened before the check failed (Redis, a PostgreSQL pool) would keep the process alive.
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const shutdown = (signal: string) => {
    gateway.logger.info({ signal }, 'shutting down: draining requests and audit queue');
    gateway.close().then(
      () => process.exit(0),
      (error) => {
        gateway.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
