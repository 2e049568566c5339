/**
 * What one admission costs through each shared-state backend, without HTTP: `npx tsx bench/ipc-state.ts`. Admits
 * and settles `BENCH_STATE_OPS` requests (default 20000) on a key with a rate limit, a concurrency limit and a daily
 * budget, 32 at a time, against the in-process memory state, the memory state in a parent process over the IPC
 * channel (what a `--workers` worker uses), and Redis when `BENCH_REDIS_URL` is set. Prints admissions per second and
 * the mean time of one admit + settle pair.
 */
import { fork } from 'node:child_process';
import type { AdmissionRequest, BudgetCheck } from '../src/domain/limits/index.ts';
import {
  BudgetCountersStaleError,
  createIpcSharedState,
  createMemorySharedState,
  createRedisSharedState,
  IpcStateHost,
  processChannel,
  type SharedState,
} from '../src/state/index.ts';

const OPS = Number(process.env.BENCH_STATE_OPS ?? 20_000);
const IN_FLIGHT = 32;

async function measure(state: SharedState): Promise<{ perSecond: number; meanMs: number }> {
  const request: AdmissionRequest = {
    scopes: [
      {
        level: 'key',
        id: `bench-${process.pid}-${Date.now()}`,
        limits: { requestsPerMinute: 1e9, maxConcurrency: 1e6, budgets: [{ window: 'daily', maxTokens: 1e15 }] },
      },
    ],
    tokens: 44,
    costUsd: 0,
  };
  const stale = await state.admit(request).catch((error: unknown) => error);
  if (stale instanceof BudgetCountersStaleError) {
    for (const check of stale.stale) await state.rebuildBudget(check as BudgetCheck, { tokens: 0, costUsd: 0 });
  }
  let next = 0;
  let totalMs = 0;
  const started = performance.now();
  const lane = async () => {
    while (next++ < OPS) {
      const t0 = performance.now();
      const result = await state.admit(request);
      if (!result.admitted) throw new Error('denied');
      await state.settle(result.reservation, { tokens: 20, costUsd: 0 });
      totalMs += performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: OPS / seconds, meanMs: totalMs / OPS };
}

if (process.argv[2] === 'child') {
  const channel = processChannel();
  if (channel === null) throw new Error('no IPC channel');
  const state = createIpcSharedState({ channel });
  process.send?.({ result: await measure(state) });
  await state.close();
  process.disconnect();
} else {
  const rows: Array<[string, { perSecond: number; meanMs: number }]> = [];
  rows.push(['memory, in process', await measure(createMemorySharedState())]);
  const host = new IpcStateHost(createMemorySharedState());
  const child = fork(import.meta.filename, ['child'], { execArgv: ['--import', 'tsx'] });
  host.attach(1, { send: (message) => child.send(message), isConnected: () => child.connected });
  const ipc = await new Promise<{ perSecond: number; meanMs: number }>((resolve) => {
    child.on('message', (message: unknown) => {
      const done = message as { result?: { perSecond: number; meanMs: number } };
      if (done.result) resolve(done.result);
      else host.handle(1, message);
    });
  });
  rows.push(['memory in the primary, over IPC (--workers)', ipc]);
  if (process.env.BENCH_REDIS_URL) {
    const redis = createRedisSharedState({ url: process.env.BENCH_REDIS_URL });
    rows.push(['Redis', await measure(redis)]);
    await redis.close();
  }
  process.stdout.write(`| state | admit + settle per s | mean ms per pair (${IN_FLIGHT} in flight) |\n|---|---|---|\n`);
  for (const [name, row] of rows) {
    process.stdout.write(`| ${name} | ${Math.round(row.perSecond)} | ${row.meanMs.toFixed(2)} |\n`);
  }
}
