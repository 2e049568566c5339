/**
 * @module `SharedState` over Redis (ioredis), shared by every gateway instance that uses the same
 * server and key prefix. Each operation is one round trip: a Lua script (EVALSHA) or a single command,
 * so admission stays exact across instances (a per-instance counter would let N instances admit N × the
 * limit). Requires Redis ≥ 5 (scripts replicated by effects) standalone; keys of several scopes meet in one
 * script, so Redis Cluster would need them under one hash tag.
 */
import type { Redis } from 'ioredis';
import { randomBase62 } from '../domain/ids.ts';
import {
  type AdmissionOutcomes,
  type AdmissionPlan,
  type AdmissionRequest,
  type AdmissionResult,
  assembleAdmission,
  type BudgetCheck,
  type BudgetUnit,
  ceilMs,
  compileAdmission,
  type Reservation,
} from '../domain/limits/index.ts';
import { BudgetCountersStaleError, StateUnavailableError } from './errors.ts';
import {
  createFailFastClient,
  createReadyGate,
  DEFAULT_TUNING,
  type RedisConnectionTuning,
  runScript,
  toUnavailable,
} from './redis-connection.ts';
import { createRedisPubSub } from './redis-pubsub.ts';
import {
  ADMIT_SCRIPT,
  CONSUME_SCRIPT,
  GENERATION_SCRIPT,
  REBUILD_SCRIPT,
  RENEW_SCRIPT,
  SETTLE_SCRIPT,
  SLIDING_WINDOW_SCRIPT,
  UNLOCK_SCRIPT,
} from './redis-scripts.ts';
import type { SharedState, SlidingWindowResult } from './shared-state.ts';
import {
  OPEN_RESERVATION_TTL_MS,
  requireCount,
  requireDuration,
  requireReservation,
  requireSettleUsage,
} from './validate.ts';

export interface RedisSharedStateOptions extends Partial<RedisConnectionTuning> {
  /** `redis://…` URL; a fail-fast client is created and owned (closed by `close()`). */
  url?: string;
  /** An existing client, left open by `close()`; configure it to fail fast as `createFailFastClient` does. */
  client?: Redis;
  /** Prefix of every key and channel, so several deployments can share one server (default `gh:`). */
  keyPrefix?: string;
  /** Receives exceptions thrown by subscription handlers. */
  onError?: (error: unknown) => void;
}

const WINDOW_CODES = { daily: 'd', monthly: 'm', total: 't' } as const;

function unexpectedReply(what: string): StateUnavailableError {
  return new StateUnavailableError(`shared state (redis) sent an unexpected ${what} reply`);
}

/** The marker an admission leaves and its settle removes (see `OPEN_RESERVATION_TTL_MS`). */
function openMarkerKey(prefix: string, reservationId: string): string {
  return `${prefix}a:${reservationId}`;
}

function admitArguments(plan: AdmissionPlan, prefix: string): { keys: string[]; args: (string | number)[] } {
  const keys: string[] = [openMarkerKey(prefix, plan.id)];
  const args: (string | number)[] = [plan.id, plan.leaseTtlMs, plan.rates.length, plan.leases.length];
  args.push(plan.budgets.length, plan.tokens, plan.costUsd, OPEN_RESERVATION_TTL_MS);
  for (const check of plan.rates) {
    keys.push(prefix + check.key);
    args.push(check.params.emissionMs, check.params.toleranceMs, check.cost);
  }
  for (const check of plan.leases) {
    keys.push(prefix + check.key);
    args.push(check.limit);
  }
  for (const check of plan.budgets) {
    keys.push(prefix + check.key);
    args.push(WINDOW_CODES[check.window], check.maxTokens ?? '', check.maxUsd ?? '');
  }
  keys.push(generationKey(prefix));
  return { keys, args };
}

/** The budget counters' generation (see `GENERATION_SCRIPT`). */
function generationKey(prefix: string): string {
  return `${prefix}gen`;
}

/** `run_id` from `INFO server`: a new one means the server restarted, possibly from an older snapshot. */
function parseRunId(info: string): string | null {
  const match = /^run_id:([0-9a-f]+)\s*$/m.exec(info);
  return match?.[1] ?? null;
}

const GENERATION_MISSING = Symbol('generation missing');

function parseAdmitReply(
  reply: unknown,
  plan: AdmissionPlan,
): { committed: boolean; outcomes: AdmissionOutcomes } | typeof GENERATION_MISSING {
  if (Array.isArray(reply) && reply.length === 1 && reply[0] === 2) return GENERATION_MISSING;
  const expected = 2 + plan.rates.length * 4 + plan.leases.length * 2 + plan.budgets.length * 3;
  if (!Array.isArray(reply) || reply.length !== expected) throw unexpectedReply('admit');
  const outcomes: AdmissionOutcomes = { now: Number(reply[1]), rates: [], leases: [], budgets: [] };
  let i = 2;
  for (let r = 0; r < plan.rates.length; r++, i += 4) {
    const retry = Number(reply[i + 3]);
    outcomes.rates.push({
      allowed: reply[i] === 1,
      remaining: Number(reply[i + 1]),
      resetMs: Number(reply[i + 2]),
      retryAfterMs: retry < 0 ? null : retry,
    });
  }
  for (let l = 0; l < plan.leases.length; l++, i += 2) {
    outcomes.leases.push({ allowed: reply[i] === 1, inUse: Number(reply[i + 1]) });
  }
  const stale: BudgetCheck[] = [];
  for (let b = 0; b < plan.budgets.length; b++, i += 3) {
    const unit = reply[i + 1];
    if (unit === 'stale') stale.push(plan.budgets[b] as BudgetCheck);
    const deniedUnit: BudgetUnit | null = unit === 'tokens' || unit === 'usd' ? unit : null;
    outcomes.budgets.push({ allowed: reply[i] === 1, deniedUnit, windowKey: String(reply[i + 2]) });
  }
  if (stale.length > 0) throw new BudgetCountersStaleError(stale);
  return { committed: reply[0] === 1, outcomes };
}

/** Creates the Redis implementation of the `SharedState` contract. Connects in the background. */
export function createRedisSharedState(options: RedisSharedStateOptions): SharedState {
  if ((options.url === undefined) === (options.client === undefined)) {
    throw new TypeError('createRedisSharedState needs exactly one of `url` or `client`');
  }
  const tuning: RedisConnectionTuning = {
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_TUNING.commandTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_TUNING.connectTimeoutMs,
  };
  const owned = options.client === undefined;
  const client = options.client ?? createFailFastClient(options.url as string, tuning);
  const prefix = options.keyPrefix ?? 'gh:';
  // Without a listener ioredis prints every connection error; callers learn of outages from rejections.
  client.on('error', () => {});
  const ensureReady = createReadyGate(client, tuning.connectTimeoutMs);
  const pubsub = createRedisPubSub(client, prefix, tuning, options.onError);
  let closed = false;
  let runId: string | null = null;

  /**
   * Checks the server's run id on every (re)connection: a restarted server may hold an older snapshot of the
   * counters, or none, so a new run starts a new generation and every budget counter is rebuilt before it counts.
   */
  async function startGeneration(): Promise<void> {
    const info = await client.info('server');
    runId = parseRunId(info) ?? runId ?? 'unknown';
    await runScript(client, GENERATION_SCRIPT, [generationKey(prefix)], [runId, randomBase62(12)]);
  }
  client.on('ready', () => {
    startGeneration().catch((error) => options.onError?.(error));
  });

  async function call<T>(operation: () => Promise<T>): Promise<T> {
    if (closed) throw new StateUnavailableError('shared state is closed');
    await ensureReady();
    try {
      return await operation();
    } catch (error) {
      throw toUnavailable(error);
    }
  }

  async function admit(request: AdmissionRequest): Promise<AdmissionResult> {
    const plan = compileAdmission(request);
    const { keys, args } = admitArguments(plan, prefix);
    let parsed = parseAdmitReply(await call(() => runScript(client, ADMIT_SCRIPT, keys, args)), plan);
    if (parsed === GENERATION_MISSING) {
      // Flushed while connected (FLUSHALL, FLUSHDB, eviction): a new generation, then every budget is stale.
      await call(startGeneration);
      parsed = parseAdmitReply(await call(() => runScript(client, ADMIT_SCRIPT, keys, args)), plan);
      if (parsed === GENERATION_MISSING) throw new StateUnavailableError('shared state (redis) lost its generation');
    }
    const { committed, outcomes } = parsed;
    const result = assembleAdmission(plan, outcomes);
    // The script and the domain apply the same rule; disagreement means they drifted apart.
    if (result.admitted !== committed) throw unexpectedReply('admit (script and domain disagree)');
    return result;
  }

  async function settle(reservation: Reservation, actual: { tokens: number; costUsd: number }): Promise<void> {
    requireReservation(reservation);
    const usage = requireSettleUsage(actual);
    const keys = [openMarkerKey(prefix, reservation.id)];
    const args: (string | number)[] = [reservation.id, reservation.leases.length];
    args.push(reservation.tokenBuckets.length, reservation.budgets.length);
    args.push(usage.tokens - reservation.tokens, usage.costUsd - reservation.costUsd);
    for (const key of reservation.leases) keys.push(prefix + key);
    for (const bucket of reservation.tokenBuckets) {
      keys.push(prefix + bucket.key);
      args.push(bucket.emissionMs);
    }
    for (const budget of reservation.budgets) {
      keys.push(prefix + budget.key);
      args.push(budget.windowKey);
    }
    await call(() => runScript(client, SETTLE_SCRIPT, keys, args));
  }

  async function renewLeases(reservation: Reservation, ttlMs: number): Promise<void> {
    requireReservation(reservation);
    const ttl = requireDuration(ttlMs, 'ttlMs');
    if (reservation.leases.length === 0) return;
    const keys = reservation.leases.map((key) => prefix + key);
    await call(() => runScript(client, RENEW_SCRIPT, keys, [reservation.id, ttl]));
  }

  async function slidingWindowHit(key: string, limit: number, windowMs: number): Promise<SlidingWindowResult> {
    requireCount(limit, 'limit');
    const window = requireDuration(windowMs, 'windowMs');
    const member = randomBase62(12);
    const reply = await call(() =>
      runScript(client, SLIDING_WINDOW_SCRIPT, [`${prefix}w:${key}`], [limit, window, member]),
    );
    if (!Array.isArray(reply) || reply.length !== 3) throw unexpectedReply('sliding window');
    return { allowed: reply[0] === 1, remaining: Number(reply[1]), retryAfterMs: ceilMs(Number(reply[2])) };
  }

  async function consumeOnce(key: string, ttlMs: number, maxUses = 1): Promise<boolean> {
    const ttl = requireDuration(ttlMs, 'ttlMs');
    requireCount(maxUses, 'maxUses');
    const uses = await call(() => runScript(client, CONSUME_SCRIPT, [`${prefix}o:${key}`], [ttl]));
    return Number(uses) <= maxUses;
  }

  async function tryLock(key: string, ttlMs: number): Promise<string | null> {
    const ttl = requireDuration(ttlMs, 'ttlMs');
    const token = randomBase62(16);
    const reply = await call(() => client.set(`${prefix}l:${key}`, token, 'PX', ttl, 'NX'));
    return reply === 'OK' ? token : null;
  }

  async function unlock(key: string, token: string): Promise<boolean> {
    const reply = await call(() => runScript(client, UNLOCK_SCRIPT, [`${prefix}l:${key}`], [token]));
    return Number(reply) === 1;
  }

  async function rebuildBudget(check: BudgetCheck, spend: { tokens: number; costUsd: number }): Promise<void> {
    const usage = requireSettleUsage(spend);
    const keys = [prefix + check.key, generationKey(prefix)];
    const args = [WINDOW_CODES[check.window], usage.tokens, usage.costUsd, check.maxTokens ?? '', check.maxUsd ?? ''];
    if (Number(await call(() => runScript(client, REBUILD_SCRIPT, keys, args))) === 2) {
      await call(startGeneration);
      await call(() => runScript(client, REBUILD_SCRIPT, keys, args));
    }
  }

  async function ping(): Promise<void> {
    await call(() => client.ping());
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    await pubsub.close();
    if (!owned) return;
    if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
    else client.disconnect();
  }

  return {
    admit,
    settle,
    renewLeases,
    slidingWindowHit,
    consumeOnce,
    tryLock,
    unlock,
    publish: (channel, message) => call(() => pubsub.publish(channel, message)),
    subscribe: (channel, handler, subscribeOptions) => {
      if (closed) return Promise.reject(new StateUnavailableError('shared state is closed'));
      return pubsub.subscribe(channel, handler, subscribeOptions);
    },
    rebuildBudget,
    ping,
    close,
  };
}
