import { Pool } from 'undici';

export interface PoolOptions {
  connections?: number;
  connectTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
}

/** One undici Pool per upstream origin, created on first use and shared by every upstream on that origin. */
export interface PoolRegistry {
  get(origin: string, connections?: number): Pool;
  /** Closes pools whose origin is not in `keep` (after a config change removed an upstream). */
  retain(keep: ReadonlySet<string>): Promise<void>;
  close(): Promise<void>;
}

export function createPoolRegistry(options: PoolOptions = {}): PoolRegistry {
  const pools = new Map<string, Pool>();

  return {
    get(origin, connections) {
      let pool = pools.get(origin);
      if (pool === undefined) {
        pool = new Pool(origin, {
          connections: connections ?? options.connections ?? 64,
          // One request per connection: a long stream must never hold up a request pipelined behind it.
          pipelining: 1,
          connect: { timeout: options.connectTimeoutMs ?? 10_000 },
          keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
        });
        pools.set(origin, pool);
      }
      return pool;
    },
    async retain(keep) {
      const closing: Promise<void>[] = [];
      for (const [origin, pool] of pools) {
        if (keep.has(origin)) continue;
        pools.delete(origin);
        closing.push(pool.close());
      }
      await Promise.all(closing);
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((pool) => pool.destroy()));
    },
  };
}
