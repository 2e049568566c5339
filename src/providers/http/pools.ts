import { Pool } from 'undici';
import { defaultPerTenantSlots, SlotGate } from './slot-gate.ts';

export interface PoolOptions {
  connections?: number;
  connectTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
}

/** An origin's connection pool and the gate that admits calls to it, one slot per connection. */
export interface OriginPool {
  pool: Pool;
  gate: SlotGate;
}

/** What the first upstream on an origin asks of its pool; later upstreams on the same origin share it as built. */
export interface OriginLimits {
  connections?: number | undefined;
  perTenant?: number | undefined;
}

/** One undici Pool per upstream origin, created on first use and shared by every upstream on that origin. */
export interface PoolRegistry {
  get(origin: string, limits?: OriginLimits): OriginPool;
  /** Closes pools whose origin is not in `keep` (after a config change removed an upstream). */
  retain(keep: ReadonlySet<string>): Promise<void>;
  close(): Promise<void>;
}

export function createPoolRegistry(options: PoolOptions = {}): PoolRegistry {
  const pools = new Map<string, OriginPool>();

  return {
    get(origin, limits = {}) {
      let entry = pools.get(origin);
      if (entry === undefined) {
        const connections = limits.connections ?? options.connections ?? 64;
        const pool = new Pool(origin, {
          connections,
          // One request per connection: a long stream must never hold up a request pipelined behind it.
          pipelining: 1,
          connect: { timeout: options.connectTimeoutMs ?? 10_000 },
          keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
        });
        const gate = new SlotGate({
          capacity: connections,
          perTenant: limits.perTenant ?? defaultPerTenantSlots(connections),
        });
        entry = { pool, gate };
        pools.set(origin, entry);
      }
      return entry;
    },
    async retain(keep) {
      const closing: Promise<void>[] = [];
      for (const [origin, entry] of pools) {
        if (keep.has(origin)) continue;
        pools.delete(origin);
        closing.push(entry.pool.close());
      }
      await Promise.all(closing);
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((entry) => entry.pool.destroy()));
    },
  };
}
