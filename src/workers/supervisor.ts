/**
 * @module The primary process of `gatehouse serve --workers N`: it serves no request itself. It migrates and checks
 * the master keys once (so N workers never race a migration), forks N workers with `node:cluster`, which share the
 * one listening port (the primary accepts and hands connections round-robin), and on the embedded default owns the
 * shared state that keeps limits and budgets exact across them (`IpcStateHost`). With `REDIS_URL` set the workers
 * use Redis directly, as separate instances do.
 *
 * A worker that exits unasked is replaced; its open reservations are settled as after a crash (`IpcStateHost`),
 * and its audit chain simply ends where its last commit left it (each worker writes its own chain; `audit verify`
 * checks every chain). Replacements that keep dying are delayed, doubling up to 30 s. A worker exiting 78 (bad
 * configuration) stops everything with 78. SIGTERM or SIGINT drains every worker; the state stays up until the last
 * one has exited, since draining requests still settle through it.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { GatehouseConfig } from '../config/index.ts';
import { createLogger } from '../logger.ts';
import { openServices } from '../services.ts';
import { createMemorySharedState, IpcStateHost, type SharedState } from '../state/index.ts';

/** Set in each worker's environment: `ipc` when its shared state is the primary's. */
export const WORKER_STATE_ENV = 'GATEHOUSE_WORKER_STATE';

const STABLE_UPTIME_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;

export interface SupervisorOptions {
  config: GatehouseConfig;
  workers: number;
  logger?: Logger;
}

export async function superviseWorkers(options: SupervisorOptions): Promise<void> {
  const { config, workers } = options;
  const logger = (options.logger ?? createLogger(config.logLevel)).child({ role: 'primary' });
  const services = await openServices(config);
  await services.store.close();

  const state: SharedState | null = config.redisUrl ? null : createMemorySharedState();
  const host = state === null ? null : new IpcStateHost(state);
  const startedAt = new Map<number, number>();
  let quickDeaths = 0;
  let stopping = false;
  let exitCode = 0;

  const fork = () => {
    const worker = cluster.fork({ [WORKER_STATE_ENV]: host === null ? 'redis' : 'ipc' });
    startedAt.set(worker.id, Date.now());
    if (host !== null) {
      host.attach(worker.id, { send: (message) => worker.send(message), isConnected: () => worker.isConnected() });
      worker.on('message', (message: unknown) => host.handle(worker.id, message));
    }
    return worker;
  };

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: Object.keys(cluster.workers ?? {}).length }, 'shutting down: draining every worker');
    // A signal, not worker.kill(): kill() would disconnect the IPC channel first, and draining requests still settle
    // their reservations through it.
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    finishIfIdle();
  };

  const finishIfIdle = () => {
    if (Object.keys(cluster.workers ?? {}).length > 0) return;
    Promise.all([host?.close(), state?.close()]).finally(() => process.exit(exitCode));
  };

  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    const uptime = Date.now() - (startedAt.get(worker.id) ?? Date.now());
    startedAt.delete(worker.id);
    const settled = host === null ? Promise.resolve(0) : host.detach(worker.id);
    void settled.then((orphaned) => {
      if (stopping) {
        // A worker that did not drain cleanly makes the exit 1, unless a configuration refusal already made it 78.
        if (code !== 0 && exitCode === 0) exitCode = 1;
        finishIfIdle();
        return;
      }
      if (code === 78) {
        logger.error({ worker: worker.process.pid }, 'a worker refused the configuration: stopping');
        exitCode = 78;
        stop('worker-config');
        return;
      }
      quickDeaths = uptime < STABLE_UPTIME_MS ? quickDeaths + 1 : 0;
      const delayMs = quickDeaths <= 1 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 500 * 2 ** (quickDeaths - 2));
      logger.error(
        { worker: worker.process.pid, code, signal, uptimeMs: uptime, settledReservations: orphaned, delayMs },
        'worker exited: replacing it',
      );
      setTimeout(() => {
        if (!stopping) fork();
      }, delayMs);
    });
  });

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  logger.info({ workers, state: host === null ? 'redis' : 'primary' }, 'starting workers');
  for (let i = 0; i < workers; i++) fork();
}
