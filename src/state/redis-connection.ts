/**
 * @module Redis connections that fail fast. ioredis by default queues commands while disconnected and
 * retries them up to 20 times, so a request could wait many seconds for a Redis that is gone; a gateway
 * must instead answer 503 at once (DESIGN §2.3). Here: no offline queue, no retries of in-flight
 * commands (an admit script may already have run; re-sending it would charge twice), a command timeout,
 * and endless background reconnects so recovery needs no restart.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { StateUnavailableError } from './errors.ts';
import type { LuaScript } from './redis-scripts.ts';

export interface RedisConnectionTuning {
  /** A command without a reply after this long rejects (default 1000). */
  commandTimeoutMs: number;
  /** One connection attempt gives up after this long (default 2000). */
  connectTimeoutMs: number;
}

export const DEFAULT_TUNING: RedisConnectionTuning = { commandTimeoutMs: 1_000, connectTimeoutMs: 2_000 };

/** Reconnect backoff: 50 ms doubling to a 1 s ceiling, forever. */
function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 5), 1_000);
}

export function createFailFastClient(url: string, tuning: RedisConnectionTuning): Redis {
  const options: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: tuning.commandTimeoutMs,
    connectTimeout: tuning.connectTimeoutMs,
    retryStrategy: reconnectDelay,
  };
  return new Redis(url, options);
}

export function toUnavailable(error: unknown): StateUnavailableError {
  if (error instanceof StateUnavailableError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StateUnavailableError(`shared state (redis) unavailable: ${detail}`, { cause: error });
}

const STARTING_STATUSES: ReadonlySet<string> = new Set(['wait', 'connecting', 'connect']);

/**
 * Waits for a connection's first handshake only: calls made right after startup should not fail just
 * because the socket is still opening, but once a connection has been up (or failed) nothing waits.
 */
export function createReadyGate(client: Redis, timeoutMs: number): () => Promise<void> {
  let starting = client.status !== 'ready';
  let first: Promise<void> | null = null;

  function awaitFirstOutcome(): Promise<void> {
    first ??= new Promise<void>((resolve) => {
      const done = () => {
        starting = false;
        clearTimeout(timer);
        client.off('ready', done);
        client.off('close', done);
        client.off('end', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      client.once('ready', done);
      client.once('close', done);
      client.once('end', done);
      if (client.status === 'wait') client.connect().catch(() => {});
    });
    return first;
  }

  return async function ensureReady(): Promise<void> {
    if (client.status === 'ready') return;
    if (starting && STARTING_STATUSES.has(client.status)) await awaitFirstOutcome();
    // Re-read: the status changed while we waited, which the compiler's narrowing cannot see.
    const status: string = client.status;
    if (status !== 'ready') throw new StateUnavailableError(`shared state (redis) is ${status}`);
  };
}

/** EVALSHA, falling back to EVAL once when the server has not cached the script (after a restart or flush). */
export async function runScript(
  client: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}
