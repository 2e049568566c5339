/**
 * @module Routes lag-tolerant reads to a regional read replica while it is healthy and fresh, and to the primary
 * otherwise: a circuit breaker driven by a heartbeat. Each instance writes `now` to its heartbeat row on the primary
 * and reads the row back from the replica; `now − beat_at` as the replica returns it is the replication lag, measured
 * on one clock (the writer's and reader's are the same process), so clock skew between hosts does not matter.
 */
import type { Kysely } from 'kysely';
import { uuidv7 } from '../domain/ids.ts';
import type { Database } from './schema.ts';

export interface ReplicaRouterOptions {
  primary: Kysely<Database>;
  replica: Kysely<Database>;
  regionId: string;
  /** Reads fall back to the primary when the replica is further behind than this. */
  maxLagMs?: number;
  heartbeatMs?: number;
  /** A probe that takes longer than this counts as a failure (a hung replica must not stall the breaker). */
  probeTimeoutMs?: number;
  /** Consecutive healthy probes needed to go back to the replica, so a flapping replica is not chased. */
  recoverAfter?: number;
  now?: () => number;
}

export interface ReplicaStatus {
  /** Where lag-tolerant reads go right now. */
  using: 'replica' | 'primary';
  /** Last measured lag in ms; null before the first probe or when the replica could not be read. */
  lagMs: number | null;
  /** Why reads are on the primary; null while on the replica. */
  reason: string | null;
  /** How many times reads moved from the replica to the primary. */
  fallbacks: number;
  lastProbeAt: number | null;
}

export interface ReplicaRouter {
  /** The database lag-tolerant reads should use now. */
  readonly current: Kysely<Database>;
  status(): ReplicaStatus;
  /** One heartbeat and measurement; `start` runs it on a timer. Never throws. */
  probe(): Promise<ReplicaStatus>;
  start(): Promise<void>;
  stop(): void;
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function createReplicaRouter(options: ReplicaRouterOptions): ReplicaRouter {
  const now = options.now ?? Date.now;
  const maxLagMs = options.maxLagMs ?? 5000;
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const probeTimeoutMs = options.probeTimeoutMs ?? Math.max(500, Math.min(2 * heartbeatMs, 2000));
  const recoverAfter = options.recoverAfter ?? 2;
  const instanceId = uuidv7();
  // Reads start on the primary: until a probe has shown the replica fresh, nothing is known about its lag.
  const state: ReplicaStatus = {
    using: 'primary',
    lagMs: null,
    reason: 'not probed yet',
    fallbacks: 0,
    lastProbeAt: null,
  };
  let healthyStreak = 0;
  let timer: NodeJS.Timeout | null = null;
  let probing: Promise<ReplicaStatus> | null = null;

  function trip(reason: string, lagMs: number | null): void {
    healthyStreak = 0;
    if (state.using === 'replica') state.fallbacks += 1;
    state.using = 'primary';
    state.reason = reason;
    state.lagMs = lagMs;
  }

  async function measure(): Promise<number | null> {
    const beatAt = now();
    await options.primary
      .insertInto('region_heartbeats')
      .values({ instance_id: instanceId, region_id: options.regionId, beat_at: beatAt })
      .onConflict((oc) => oc.column('instance_id').doUpdateSet({ beat_at: beatAt }))
      .execute();
    const row = await options.replica
      .selectFrom('region_heartbeats')
      .select('beat_at')
      .where('instance_id', '=', instanceId)
      .executeTakeFirst();
    return row === undefined ? null : Math.max(0, now() - Number(row.beat_at));
  }

  async function runProbe(): Promise<ReplicaStatus> {
    state.lastProbeAt = now();
    let lagMs: number | null;
    try {
      lagMs = await withTimeout(measure(), probeTimeoutMs, 'replica probe');
    } catch (error) {
      trip(`replica unavailable: ${(error as Error).message}`, null);
      return { ...state };
    }
    if (lagMs === null) {
      trip('replica has not received this instance’s heartbeat', null);
    } else if (lagMs > maxLagMs) {
      trip(`replica lag ${lagMs} ms exceeds ${maxLagMs} ms`, lagMs);
    } else {
      state.lagMs = lagMs;
      healthyStreak += 1;
      if (state.using === 'primary' && healthyStreak >= recoverAfter) {
        state.using = 'replica';
        state.reason = null;
      }
    }
    return { ...state };
  }

  return {
    get current() {
      return state.using === 'replica' ? options.replica : options.primary;
    },
    status: () => ({ ...state }),
    probe() {
      probing ??= runProbe().finally(() => {
        probing = null;
      });
      return probing;
    },
    async start() {
      // Old instances' rows would otherwise accumulate forever; an hour is far beyond any useful lag reading.
      await options.primary
        .deleteFrom('region_heartbeats')
        .where('beat_at', '<', now() - 3_600_000)
        .execute()
        .catch(() => {});
      for (let i = 0; i < recoverAfter; i++) await this.probe();
      timer ??= setInterval(() => void this.probe(), heartbeatMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
