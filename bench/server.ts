/**
 * Child-process entry for `npm run bench`: one server per process (`upstream`, `bare <origin>`, `json <origin>`,
 * `gateway <origin>`, `otlp`), so each one's CPU time and RSS can be read on its own. Prints one JSON line with its URL,
 * then answers `stats` messages over IPC with `process.cpuUsage()`, the main thread's own CPU time and RSS.
 */

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config/index.ts';
import { createGateway } from '../src/gateway.ts';
import { tuneV8ForGateway } from '../src/process-tuning.ts';
import { createBareProxy, createJsonProxy } from './bare-proxy.ts';
import { createBenchUpstream, createOtlpSink } from './fake-upstream.ts';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The gateway as deployed: key auth, RBAC, admission (limits and budgets set high on the key), audit to SQLite. */
async function startGatewayServer(upstream: string): Promise<{ url: string; key: string }> {
  // As `serve` does; BENCH_PRETENURING=1 leaves V8's default on, for the A/B.
  if (process.env.BENCH_PRETENURING !== '1') tuneV8ForGateway();
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const configPath = join(dataDir, 'gatehouse.yaml');
  writeFileSync(
    configPath,
    stringify({
      upstreams: [
        { id: 'bench', provider: 'openai', base_url: `${upstream}/v1`, max_connections: 128 },
        // The same fake, answering Messages natively: `/v1/messages` passthrough (bench/run.ts SURFACES).
        { id: 'bench-anthropic', provider: 'anthropic', base_url: upstream, max_connections: 128 },
      ],
      models: [
        { name: 'bench-model', targets: [{ upstream: 'bench', model: 'bench-model' }] },
        // Public and upstream names alike, so the client's bytes go upstream as they came (no re-serialising).
        { name: 'bench-claude', targets: [{ upstream: 'bench-anthropic', model: 'bench-claude' }] },
      ],
      // BENCH_AUDIT_THREAD=0 compares against sealing and committing audit events on the request thread.
      audit: { thread: process.env.BENCH_AUDIT_THREAD !== '0' },
      // BENCH_MCP_URL fronts that streamable HTTP MCP server as server `bench` (the MCP part of the bench).
      ...(process.env.BENCH_MCP_URL
        ? { mcp: { servers: [{ id: 'bench', transport: 'streamable_http', url: process.env.BENCH_MCP_URL }] } }
        : {}),
    }),
  );
  // BENCH_OTLP_ENDPOINT and BENCH_TRACE_RATIO turn tracing on, exporting to the bench's own OTLP sink.
  const tracing = process.env.BENCH_OTLP_ENDPOINT
    ? {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: process.env.BENCH_OTLP_ENDPOINT,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: process.env.BENCH_TRACE_RATIO ?? '1',
      }
    : {};
  const config = loadConfig({
    env: {
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_CONFIG: configPath,
      GATEHOUSE_MASTER_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'silent',
      ...tracing,
    },
  });
  const gateway = await createGateway(config);
  const tenant = await gateway.identity.createTenant('bench');
  const team = await gateway.identity.createTeam(tenant.id, 'bench');
  const issued = await gateway.identity.createKey({
    tenant: tenant.id,
    team: team.id,
    name: 'bench',
    expiresInMs: null,
    settings: {
      limits: { rpm: 1e9, tpm: 1e12, max_parallel: 1e6 },
      budgets: { tokens_daily: 1e15, usd_daily: 1e12 },
    },
  });
  if (process.env.BENCH_MCP_URL)
    await gateway.mcp.policies.put(team.id, { rules: [{ server: 'bench', tools: ['*'] }] }, null);
  await gateway.snapshot.refresh();
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  process.once('SIGTERM', () => {
    gateway.close().finally(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  });
  const { port } = gateway.app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, key: issued.key };
}

async function main(): Promise<void> {
  const [kind, upstream] = process.argv.slice(2);
  let ready: { url: string; key?: string };
  if (kind === 'upstream') ready = { url: await listen(createBenchUpstream()) };
  else if (kind === 'bare') ready = { url: await listen(createBareProxy(upstream as string)) };
  else if (kind === 'json') ready = { url: await listen(createJsonProxy(upstream as string, '/v1/chat/completions')) };
  else if (kind === 'gateway') ready = await startGatewayServer(upstream as string);
  else if (kind === 'otlp') ready = { url: await listen(createOtlpSink()) };
  else throw new Error(`unknown server kind ${kind}`);
  // An orderly exit (not the default SIGTERM kill) lets `--cpu-prof` write its profile when profiling a run.
  if (kind !== 'gateway') process.once('SIGTERM', () => process.exit(0));
  // Pause time of the request thread's collections (young and full): what GC takes from request latency.
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (message) => {
    if (message === 'stats') {
      const cpu = process.cpuUsage();
      process.send?.({
        cpuMicros: cpu.user + cpu.system,
        // Busy time of the request thread alone (process CPU also counts the audit thread and GC helpers).
        loopMicros: performance.eventLoopUtilization().active * 1000,
        threadCpuMicros: mainThreadCpuMicros(),
        gcMicros: gcMs * 1000,
        rss: process.memoryUsage().rss,
      });
    }
  });
  process.send?.({ ready });
}

/** Clock ticks per second of `/proc` CPU times (Linux; usually 100). */
function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

const TICKS = clockTicks();

/**
 * CPU time (user + system) of the main thread alone, from `/proc/self/task/<pid>/stat` at tick resolution; NaN
 * where there is no `/proc`. Unlike event-loop busy time it does not grow while a loaded host has the thread
 * descheduled, and unlike `process.cpuUsage()` it leaves out the audit thread and V8's helper threads.
 */
function mainThreadCpuMicros(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may itself contain spaces: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS;
  } catch {
    return Number.NaN;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
