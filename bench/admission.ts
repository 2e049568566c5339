/**
 * Admission overhead, in-process vs Redis: `npx tsx bench/admission.ts [iterations]` (REDIS_URL, default
 * redis://127.0.0.1:6379/0). Runs the gateway's own `Admission` (scope building, cost, the atomic decision,
 * settlement) for a key with RPM, TPM, concurrency and a daily token and USD budget at key,
 * team and tenant level, sequentially, and prints the mean and p50/p99 per admit and per admit + settle.
 */
import { performance } from 'node:perf_hooks';
import { type AdmissionCall, createGatewayAdmission } from '../src/admission/index.ts';
import { estimateCall } from '../src/domain/limits/index.ts';
import type { Principal } from '../src/domain/principal.ts';
import { createMemorySharedState, createRedisSharedState, type SharedState } from '../src/state/index.ts';

const iterations = Number(process.argv[2] ?? 20_000);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const huge = { rpm: 1e9, tpm: 1e12, max_parallel: 1e6 };
const budgets = { tokens_daily: 1e15, usd_daily: 1e12 };
const limited = { limits: huge, budgets };
const run = `${process.pid}-${Date.now()}`;

const principal: Principal = {
  type: 'key',
  id: `key-${run}`,
  tenantId: `tenant-${run}`,
  teamId: `team-${run}`,
  name: 'bench',
  settings: limited,
  expiresAt: null,
};
const body = {
  model: 'gpt-4o-mini',
  max_tokens: 256,
  messages: [{ role: 'user', content: 'Say hello in five words.' }],
};
const estimate = estimateCall(body, 'text');
const usage = { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 };
const logger = { warn: () => {}, error: () => {} };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

async function measure(name: string, state: SharedState): Promise<void> {
  const admission = createGatewayAdmission({
    state,
    settings: { tenant: () => limited, team: () => limited },
    prices: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } },
    // An empty ledger: each budget counter is rebuilt once, on the first request.
    ledgerSpend: async () => ({ tokens: 0, costUsd: 0 }),
    logger,
  });
  const admitTimes: number[] = [];
  const totalTimes: number[] = [];
  for (let i = 0; i < iterations + 1000; i++) {
    const call: AdmissionCall = {
      requestId: `req-${run}-${name}-${i}`,
      principal,
      metering: 'tokens',
      model: 'gpt-4o-mini',
      ...estimate,
    };
    const start = performance.now();
    const decision = await admission.admit(call);
    const admitted = performance.now();
    if (!decision.admitted || decision.ticket === null) throw new Error(`refused: ${JSON.stringify(decision)}`);
    admission.measure(decision.ticket, { usage, aborted: false, failed: false });
    await admission.settle(decision.ticket);
    const settled = performance.now();
    // The first 1000 warm up the JIT and the connection.
    if (i >= 1000) {
      admitTimes.push((admitted - start) * 1000);
      totalTimes.push((settled - start) * 1000);
    }
  }
  admitTimes.sort((a, b) => a - b);
  totalTimes.sort((a, b) => a - b);
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const row = (label: string, values: number[]) =>
    `${label.padEnd(16)} mean ${mean(values).toFixed(1).padStart(7)} µs   p50 ${percentile(values, 50).toFixed(1).padStart(7)} µs   p99 ${percentile(values, 99).toFixed(1).padStart(7)} µs`;
  process.stdout.write(`${name} (${iterations} requests, 3 levels × RPM+TPM+concurrency+2 budgets)\n`);
  process.stdout.write(`  ${row('admit', admitTimes)}\n  ${row('admit + settle', totalTimes)}\n`);
}

const memory = createMemorySharedState();
await measure('in-process', memory);
await memory.close();
const redis = createRedisSharedState({ url: redisUrl, keyPrefix: `gh-bench-${run}:` });
try {
  await redis.ping();
  await measure('redis', redis);
} catch (error) {
  process.stdout.write(`redis: skipped (${(error as Error).message})\n`);
} finally {
  await redis.close();
}
