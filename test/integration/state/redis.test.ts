import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { randomBase62 } from '../../../src/domain/ids.ts';
import { windowKey } from '../../../src/domain/limits/index.ts';
import { createRedisSharedState, StateUnavailableError } from '../../../src/state/index.ts';
import { LUA_WINDOW_KEY } from '../../../src/state/redis-scripts.ts';
import { OPEN_RESERVATION_TTL_MS } from '../../../src/state/validate.ts';
import { freePort, REDIS_URL, redisAvailable, startRedisServer } from '../../helpers/services.ts';
import { withEmptyLedger } from './built-budgets.ts';
import { describeSharedStateContract } from './shared-state.case.ts';

const ok = await redisAvailable();
const prefix = `ghtest:${randomBase62(6)}:`;

function reachability(state: { ping(): Promise<unknown> }): Promise<'up' | 'down'> {
  return state.ping().then(
    () => 'up',
    () => 'down',
  );
}

describe.skipIf(!ok)('redis shared state', () => {
  afterAll(async () => {
    const admin = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await admin.quit();
  });

  describeSharedStateContract('redis (two clients)', {
    open: async () => ({
      a: createRedisSharedState({ url: REDIS_URL, keyPrefix: prefix }),
      b: createRedisSharedState({ url: REDIS_URL, keyPrefix: prefix }),
    }),
    openUnavailable: async () => createRedisSharedState({ url: `redis://127.0.0.1:${await freePort()}/0` }),
  });

  it('keeps a key per reservation only while it is open', async () => {
    const own = `${prefix}open:`;
    const state = withEmptyLedger(createRedisSharedState({ url: REDIS_URL, keyPrefix: own }));
    const admin = new Redis(REDIS_URL);
    try {
      const scope = {
        level: 'key' as const,
        id: randomBase62(8),
        limits: {
          maxConcurrency: 10,
          tokensPerMinute: 100_000,
          budgets: [{ window: 'daily' as const, maxTokens: 1e6 }],
        },
      };
      const results = await Promise.all(
        Array.from({ length: 5 }, () => state.admit({ scopes: [scope], tokens: 10, costUsd: 0 })),
      );
      const reservations = results.map((result) => {
        if (!result.admitted) throw new Error('expected admission');
        return result.reservation;
      });
      const holdingAnId = async () =>
        (await admin.keys(`${own}*`)).filter((key) => reservations.some((reservation) => key.includes(reservation.id)));
      const open = await holdingAnId();
      expect(open).toHaveLength(5);
      for (const key of open) {
        const ttl = await admin.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(OPEN_RESERVATION_TTL_MS);
      }
      await Promise.all(reservations.map((reservation) => state.settle(reservation, { tokens: 5, costUsd: 0 })));
      expect(await holdingAnId()).toEqual([]);
    } finally {
      await state.close();
      await admin.quit();
    }
  });

  it('computes the same calendar window keys in Lua as in TypeScript', async () => {
    const instants: number[] = [];
    for (let year = 1970; year <= 2101; year++) {
      for (let month = 0; month < 12; month++) {
        const start = Date.UTC(year, month, 1);
        instants.push(start - 1, start, start + 1, Date.UTC(year, month, 28, 23, 59, 59, 999));
      }
      instants.push(Date.UTC(year, 1, 29, 12), Date.UTC(year, 11, 31, 23, 59, 59, 999));
    }
    instants.push(Date.UTC(2026, 10, 22, 12, 0, 0, 0) + 0.5);
    const client = new Redis(REDIS_URL);
    const script = `${LUA_WINDOW_KEY}
local out = {}
for i = 1, #ARGV do out[i] = window_key('d', tonumber(ARGV[i])) .. ' ' .. window_key('m', tonumber(ARGV[i])) end
return out`;
    const lua = (await client.eval(script, 0, ...instants.map(String))) as string[];
    await client.quit();
    expect(lua).toEqual(instants.map((t) => `${windowKey('daily', t)} ${windowKey('monthly', t)}`));
  });

  it('fails closed while its server is down and recovers without a restart', { timeout: 20_000 }, async () => {
    const port = await freePort();
    let server: ChildProcess = startRedisServer(port);
    const state = createRedisSharedState({ url: `redis://127.0.0.1:${port}/0`, keyPrefix: prefix });
    const scope = { level: 'key' as const, id: randomBase62(8), limits: { requestsPerMinute: 100 } };
    try {
      await expect.poll(() => reachability(state), { timeout: 5_000 }).toBe('up');
      expect((await state.admit({ scopes: [scope], tokens: 0, costUsd: 0 })).admitted).toBe(true);
      server.kill('SIGKILL');
      await expect.poll(() => reachability(state), { timeout: 5_000 }).toBe('down');
      await expect(state.admit({ scopes: [scope], tokens: 0, costUsd: 0 })).rejects.toBeInstanceOf(
        StateUnavailableError,
      );
      server = startRedisServer(port);
      await expect.poll(() => reachability(state), { timeout: 10_000 }).toBe('up');
      // A fresh server has no cached scripts: this exercises the EVALSHA → EVAL fallback.
      expect((await state.admit({ scopes: [scope], tokens: 0, costUsd: 0 })).admitted).toBe(true);
    } finally {
      await state.close();
      server.kill('SIGKILL');
    }
  });

  it('calls onResync after a subscriber reconnects', { timeout: 20_000 }, async () => {
    const port = await freePort();
    let server: ChildProcess = startRedisServer(port);
    const state = createRedisSharedState({ url: `redis://127.0.0.1:${port}/0`, keyPrefix: prefix });
    try {
      await expect.poll(() => reachability(state), { timeout: 5_000 }).toBe('up');
      let resyncs = 0;
      const received: string[] = [];
      await state.subscribe('c', (message) => received.push(message), { onResync: () => resyncs++ });
      server.kill('SIGKILL');
      await expect.poll(() => reachability(state), { timeout: 5_000 }).toBe('down');
      server = startRedisServer(port);
      await expect.poll(() => resyncs, { timeout: 10_000 }).toBe(1);
      await expect
        .poll(
          async () => {
            await state.publish('c', 'after').catch(() => {});
            return received.includes('after');
          },
          { timeout: 5_000 },
        )
        .toBe(true);
    } finally {
      await state.close();
      server.kill('SIGKILL');
    }
  });

  it('needs exactly one of url or client', () => {
    expect(() => createRedisSharedState({})).toThrow(TypeError);
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    expect(() => createRedisSharedState({ url: REDIS_URL, client })).toThrow(TypeError);
    client.disconnect();
  });
});
