import { Pool } from 'undici';

/** One undici Pool per upstream origin (DESIGN §6: never global fetch on the hot path). */
export class UpstreamPools {
  readonly #pools = new Map<string, Pool>();
  readonly #connections: number;

  constructor(connections = 32) {
    this.#connections = connections;
  }

  get(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: this.#connections,
        pipelining: 1,
        connect: { timeout: 10_000 },
        keepAliveTimeout: 30_000,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    const all = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(all.map((pool) => pool.destroy()));
  }
}
