/**
 * `npm run bench`: the fake upstream, a bare undici proxy, a reference proxy that only parses and re-serializes
 * the JSON, and the gateway (key auth, RBAC, admission with limits and budgets, audit to SQLite), each in its own
 * process, driven by wrk on loopback for non-streaming and streaming chat. Prints rps, p50/p99, latency added over
 * the bare proxy, CPU per request, RSS, and the streaming time to first byte. Then it runs the gateway of another
 * revision (BENCH_BASE, default `main`; `none` skips it) beside this one, in interleaved rounds. BENCH_DURATION
 * (s, default 8), BENCH_WARMUP (s, default 4), BENCH_CONNECTIONS (default 32), BENCH_ROUNDS (default 6) and
 * BENCH_ROUND_SECONDS (default 3) bound it. BENCH_SECTIONS (comma-separated, default all) runs only some of
 * `saturation`, `surfaces`, `steady`, `ttfb`, `telemetry`, `base`, `mcp`: one figure re-measured without the rest.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startFixtureHttp } from '../test/integration/mcp/fixture.ts';
import { checkOutBase, interleave, median } from './compare.ts';
import { runFixedRate } from './fixed-rate.ts';
import { benchMcp } from './mcp.ts';
import { benchTelemetry } from './telemetry.ts';
import { runWrk, type WrkResult } from './wrk.ts';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const TTFT_SAMPLES = 300;
const STEADY_RPS = Number(process.env.BENCH_STEADY_RPS ?? 500);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 4);
const BASE_REF = process.env.BENCH_BASE ?? 'main';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const ROUND_S = Number(process.env.BENCH_ROUND_SECONDS ?? 3);
const SECTIONS = process.env.BENCH_SECTIONS?.split(',').map((name) => name.trim());
const runs = (section: string): boolean => SECTIONS === undefined || SECTIONS.includes(section);

interface Child {
  process: ChildProcess;
  url: string;
  key: string | null;
}

interface Stats {
  cpuMicros: number;
  loopMicros: number;
  threadCpuMicros: number;
  gcMicros: number;
  rss: number;
}

function start(
  kind: string,
  upstream?: string,
  entry = join(import.meta.dirname, 'server.ts'),
  env: Record<string, string> = {},
): Promise<Child> {
  const child = fork(entry, [kind, ...(upstream ? [upstream] : [])], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code}`)));
    child.once('message', (message) => {
      const { ready } = message as { ready: { url: string; key?: string } };
      resolve({ process: child, url: ready.url, key: ready.key ?? null });
    });
  });
}

function stats(child: Child): Promise<Stats> {
  return new Promise((resolve) => {
    child.process.once('message', (message) => resolve(message as Stats));
    child.process.send('stats');
  });
}

function body(stream: boolean): string {
  return JSON.stringify({
    model: 'bench-model',
    messages: [{ role: 'user', content: 'Write one short sentence about foxes.' }],
    max_tokens: 32,
    ...(stream ? { stream: true } : {}),
  });
}

/** A client surface of the gateway: its path, request body and protocol headers. */
interface BenchSurface {
  name: string;
  path: string;
  body: (stream: boolean) => string;
  headers?: Readonly<Record<string, string>>;
}

const CHAT: BenchSurface = { name: 'chat', path: '/v1/chat/completions', body };

function messagesBody(model: string) {
  return (stream: boolean) =>
    JSON.stringify({
      model,
      max_tokens: 32,
      messages: [{ role: 'user', content: 'Write one short sentence about foxes.' }],
      ...(stream ? { stream: true } : {}),
    });
}

/** What Anthropic's SDKs and Claude Code send with every Messages request. */
const ANTHROPIC_HEADERS = { 'anthropic-version': '2023-06-01' };

/**
 * The other client dialects, each measured against the bare proxy on `baseline`: chat when the gateway translates
 * to the chat upstream (what a dialect costs over the proxy, translation included), the same request when the
 * upstream speaks the client's dialect (passthrough against a proxy doing only the forwarding). One entry each.
 */
const SURFACES: Array<BenchSurface & { baseline: BenchSurface }> = [
  {
    name: 'responses',
    path: '/v1/responses',
    body: (stream) =>
      JSON.stringify({
        model: 'bench-model',
        input: [{ role: 'user', content: 'Write one short sentence about foxes.' }],
        max_output_tokens: 32,
        store: false,
        ...(stream ? { stream: true } : {}),
      }),
    baseline: CHAT,
  },
  {
    name: 'messages→chat',
    path: '/v1/messages',
    body: messagesBody('bench-model'),
    headers: ANTHROPIC_HEADERS,
    baseline: CHAT,
  },
  {
    name: 'messages',
    path: '/v1/messages',
    body: messagesBody('bench-claude'),
    headers: ANTHROPIC_HEADERS,
    baseline: {
      name: 'messages',
      path: '/v1/messages',
      body: messagesBody('bench-claude'),
      headers: ANTHROPIC_HEADERS,
    },
  },
];

function headersFor(child: Child, surface: BenchSurface = CHAT): Record<string, string> {
  return {
    'content-type': 'application/json',
    ...surface.headers,
    ...(child.key === null ? {} : { authorization: `Bearer ${child.key}` }),
  };
}

interface Measured extends WrkResult {
  cpuPerRequestUs: number;
  loopPerRequestUs: number;
  threadCpuPerRequestUs: number;
  gcPerRequestUs: number;
  rssMb: number;
}

async function measure(
  child: Child,
  stream: boolean,
  scratchDir: string,
  durationS = DURATION_S,
  surface = CHAT,
): Promise<Measured> {
  const before = await stats(child);
  const result = await runWrk({
    url: `${child.url}${surface.path}`,
    body: surface.body(stream),
    headers: headersFor(child, surface),
    durationS,
    connections: CONNECTIONS,
    threads: 2,
    scratchDir,
  });
  const after = await stats(child);
  return {
    ...result,
    cpuPerRequestUs: result.requests > 0 ? (after.cpuMicros - before.cpuMicros) / result.requests : Number.NaN,
    loopPerRequestUs: result.requests > 0 ? (after.loopMicros - before.loopMicros) / result.requests : Number.NaN,
    threadCpuPerRequestUs:
      result.requests > 0 ? (after.threadCpuMicros - before.threadCpuMicros) / result.requests : Number.NaN,
    gcPerRequestUs: result.requests > 0 ? (after.gcMicros - before.gcMicros) / result.requests : Number.NaN,
    rssMb: after.rss / 1024 / 1024,
  };
}

/** Sequential streamed requests: time from sending to the first body byte, median over the samples. */
async function timeToFirstByte(child: Child): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < TTFT_SAMPLES; i++) {
    const started = process.hrtime.bigint();
    const response = await request(`${child.url}/v1/chat/completions`, {
      method: 'POST',
      headers: headersFor(child),
      body: body(true),
    });
    for await (const _chunk of response.body) {
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
      break;
    }
    await response.body.dump().catch(() => {});
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/**
 * 200 checked requests, then wrk at full load on both kinds of chat for BENCH_WARMUP seconds (default 4), so the
 * measured runs see optimized code: the gateway has far more code for V8 to tier up than the bare proxy, and an
 * 8 s run that includes its compilation charges a start-up cost to every request.
 */
async function warmUp(child: Child, scratchDir: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const response = await request(`${child.url}/v1/chat/completions`, {
      method: 'POST',
      headers: headersFor(child),
      body: body(i % 2 === 0),
    });
    if (response.statusCode !== 200)
      throw new Error(`warm-up got HTTP ${response.statusCode}: ${await response.body.text()}`);
    await response.body.dump();
  }
  if (WARMUP_S <= 0) return;
  for (const stream of [false, true]) {
    await runWrk({
      url: `${child.url}/v1/chat/completions`,
      body: body(stream),
      headers: headersFor(child),
      durationS: Math.max(1, Math.round(WARMUP_S / 2)),
      connections: CONNECTIONS,
      threads: 2,
      scratchDir,
    });
  }
}

/**
 * This gateway against another revision's and the bare proxy, at saturation, in alternating rounds (see
 * `interleave`): the per-round throughput ratio and its median, and each side's process CPU time and
 * request-thread time per request. With BENCH_BASE at the checked-out revision it is an A/A run, which shows how
 * far this host's noise alone moves the ratio.
 */
async function compareWithBase(upstream: Child, bare: Child, current: Child, scratchDir: string): Promise<void> {
  const checkout = checkOutBase(BASE_REF);
  if ('skipped' in checkout) {
    console.log(`\nagainst ${BASE_REF}: skipped, ${checkout.skipped}`);
    return;
  }
  let base: Child | null = null;
  try {
    try {
      base = await start('gateway', upstream.url, checkout.entry);
    } catch (error) {
      // An old revision whose gateway does not start here is a comparison that cannot be made, not a failed bench.
      console.log(`\nagainst ${BASE_REF}: skipped, its gateway did not start (${(error as Error).message})`);
      return;
    }
    await warmUp(base, scratchDir);
    console.log(
      `\nagainst ${BASE_REF} (${checkout.commit}): ${ROUNDS} interleaved rounds of ${ROUND_S}s per side (bare proxy in each round), wrk as above`,
    );
    console.log(
      'scenario   base rps  current rps  bare rps  ratio (median)  per-round ratios              cpu µs/req base / current / bare  loop µs/req base / current',
    );
    for (const stream of [false, true]) {
      const against = base;
      const rounds = await interleave(ROUNDS, async (side) => {
        const target = side === 'base' ? against : current;
        // The bare proxy runs beside the base side each round, so its figure sees the same moment of the host.
        if (side === 'current') return { gateway: await measure(target, stream, scratchDir, ROUND_S), bare: null };
        const measured = await measure(target, stream, scratchDir, ROUND_S);
        return { gateway: measured, bare: await measure(bare, stream, scratchDir, ROUND_S) };
      });
      const sides = (list: typeof rounds.base) => list.map((r) => r.gateway);
      const ratios = rounds.current.map((r, i) => r.gateway.rps / (rounds.base[i]?.gateway.rps ?? Number.NaN));
      const bareRuns = rounds.base.flatMap((r) => (r.bare ? [r.bare] : []));
      const rps = (side: Measured[]) => median(side.map((r) => r.rps));
      const cpu = (side: Measured[]) => median(side.map((r) => r.cpuPerRequestUs));
      const loop = (side: Measured[]) => median(side.map((r) => r.loopPerRequestUs));
      const b = sides(rounds.base);
      const c = sides(rounds.current);
      console.log(
        `${stream ? 'streaming' : 'json     '}  ${fmt(rps(b), 0).padStart(8)}  ${fmt(rps(c), 0).padStart(11)}  ${fmt(rps(bareRuns), 0).padStart(8)}  ${`${fmt(median(ratios))}x`.padStart(14)}  ${ratios
          .map((r) => fmt(r))
          .join(' ')
          .padEnd(
            28,
          )}  ${`${fmt(cpu(b), 0)} / ${fmt(cpu(c), 0)} / ${fmt(cpu(bareRuns), 0)}`.padEnd(32)}  ${fmt(loop(b), 0)} / ${fmt(loop(c), 0)}`,
      );
    }
  } finally {
    const exited = base === null || base.process.exitCode !== null;
    base?.process.kill('SIGTERM');
    if (!exited) await new Promise((resolve) => base?.process.once('exit', resolve));
    checkout.dispose();
  }
}

/** Each surface of SURFACES on the gateway against the bare proxy on its baseline, JSON and streaming. */
async function benchSurfaces(bare: Child, gateway: Child, scratchDir: string): Promise<void> {
  console.log(
    '\nsurfaces against the bare proxy (on chat for a translated surface, on the same request for passthrough)',
  );
  console.log(
    'surface        scenario   bare on    gateway rps  bare rps  +p50 ms  +p99 ms  cpu µs/req gw / bare  errors  vs bare',
  );
  for (const surface of SURFACES) {
    for (const stream of [false, true]) {
      // One unmeasured second first: the surface's own code paths get optimized before they are timed.
      await measure(gateway, stream, scratchDir, 1, surface);
      const base = await measure(bare, stream, scratchDir, DURATION_S, surface.baseline);
      const gw = await measure(gateway, stream, scratchDir, DURATION_S, surface);
      const cpu = `${fmt(gw.cpuPerRequestUs, 0)} / ${fmt(base.cpuPerRequestUs, 0)}`;
      console.log(
        `${surface.name.padEnd(13)}  ${stream ? 'streaming' : 'json     '}  ${surface.baseline.name.padEnd(9)}  ${fmt(gw.rps, 0).padStart(11)}  ${fmt(base.rps, 0).padStart(8)}  ${fmt(gw.p50Ms - base.p50Ms).padStart(7)}  ${fmt(gw.p99Ms - base.p99Ms).padStart(7)}  ${cpu.padStart(20)}  ${String(gw.errors + base.errors).padStart(6)}  ${fmt(gw.rps / base.rps)}x`,
      );
    }
  }
}

async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null) return;
  const exited = new Promise((resolve) => child.process.once('exit', resolve));
  child.process.kill('SIGTERM');
  await exited;
}

/** Tracing off (twice: the A/A control), at 100% and at 1% (bench/telemetry.ts); BENCH_TELEMETRY=0 skips it. */
function benchTelemetryModes(upstream: Child, bare: Child, scratchDir: string): Promise<void> {
  return benchTelemetry(bare, {
    startSink: () => start('otlp'),
    startGateway: (env) => start('gateway', upstream.url, undefined, env),
    stop: stopChild,
    warmUp: (child) => warmUp(child, scratchDir),
    saturate: (child, seconds) => measure(child, false, scratchDir, seconds),
    steady: (child) =>
      runFixedRate({
        origin: child.url,
        path: '/v1/chat/completions',
        body: body(false),
        headers: headersFor(child),
        rps: STEADY_RPS,
        durationS: DURATION_S,
      }),
    rounds: ROUNDS,
    roundSeconds: ROUND_S,
  });
}

/** A tools/call through the gateway's MCP endpoints against the fixture called directly (bench/mcp.ts). */
function benchMcpCalls(upstream: Child): Promise<void> {
  return benchMcp({
    startFixture: startFixtureHttp,
    // The gateway's LLM upstream is unused here; the bench's own keeps its config as in every other section.
    startGateway: (mcpUrl) => start('gateway', upstream.url, undefined, { BENCH_MCP_URL: mcpUrl }),
    stop: stopChild,
    cpuMicros: async (child) => (await stats(child)).cpuMicros,
    rounds: ROUNDS,
    roundSeconds: ROUND_S,
    sequentialCalls: 200,
    concurrency: 16,
  });
}

async function main(): Promise<void> {
  const scratchDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-run-'));
  const children: Child[] = [];
  try {
    const upstream = await start('upstream');
    children.push(upstream);
    const bare = await start('bare', upstream.url);
    children.push(bare);
    const jsonProxy = await start('json', upstream.url);
    children.push(jsonProxy);
    const gateway = await start('gateway', upstream.url);
    children.push(gateway);
    await warmUp(bare, scratchDir);
    await warmUp(jsonProxy, scratchDir);
    await warmUp(gateway, scratchDir);
    console.log(`wrk: ${CONNECTIONS} connections, ${DURATION_S}s per run, 2 threads; loopback`);
    if (runs('saturation')) {
      console.log('');
      console.log(
        'scenario   target    rps       p50 ms  p99 ms  +p50 ms  +p99 ms  cpu µs/req  loop µs/req  gc µs/req  rss MB  errors  vs bare',
      );
      for (const stream of [false, true]) {
        const base = await measure(bare, stream, scratchDir);
        const parsing = await measure(jsonProxy, stream, scratchDir);
        const gw = await measure(gateway, stream, scratchDir);
        const name = stream ? 'streaming' : 'json     ';
        for (const [label, r] of [
          ['bare    ', base],
          ['json ref', parsing],
          ['gateway ', gw],
        ] as const) {
          const added = r !== base;
          console.log(
            `${name}  ${label}  ${fmt(r.rps, 0).padStart(7)}  ${fmt(r.p50Ms).padStart(6)}  ${fmt(r.p99Ms).padStart(6)}  ${(added ? fmt(r.p50Ms - base.p50Ms) : '-').padStart(7)}  ${(added ? fmt(r.p99Ms - base.p99Ms) : '-').padStart(7)}  ${fmt(r.cpuPerRequestUs, 0).padStart(10)}  ${fmt(r.loopPerRequestUs, 0).padStart(11)}  ${fmt(r.gcPerRequestUs, 1).padStart(9)}  ${fmt(r.rssMb, 0).padStart(6)}  ${String(r.errors).padStart(6)}  ${added ? `${fmt(r.rps / base.rps)}x` : ''}`,
          );
        }
      }
    }
    if (runs('surfaces')) await benchSurfaces(bare, gateway, scratchDir);
    if (runs('steady')) {
      console.log(
        `\nsteady load: ${STEADY_RPS} rps open loop for ${DURATION_S}s, latency from each request's due time`,
      );
      console.log('scenario   bare p50  bare p99  gateway p50  gateway p99  +p50 ms  +p99 ms  errors');
      for (const stream of [false, true]) {
        const steady = (child: Child, durationS = DURATION_S) =>
          runFixedRate({
            origin: child.url,
            path: '/v1/chat/completions',
            body: body(stream),
            headers: headersFor(child),
            rps: STEADY_RPS,
            durationS,
          });
        // A short unmeasured pass first, so the load generator's own warm-up is not charged to the bare proxy.
        await steady(bare, 1);
        const base = await steady(bare);
        const gw = await steady(gateway);
        console.log(
          `${stream ? 'streaming' : 'json     '}  ${fmt(base.p50Ms).padStart(8)}  ${fmt(base.p99Ms).padStart(8)}  ${fmt(gw.p50Ms).padStart(11)}  ${fmt(gw.p99Ms).padStart(11)}  ${fmt(gw.p50Ms - base.p50Ms).padStart(7)}  ${fmt(gw.p99Ms - base.p99Ms).padStart(7)}  ${String(base.errors + gw.errors).padStart(6)}`,
        );
      }
    }
    if (runs('ttfb')) {
      const bareTtft = await timeToFirstByte(bare);
      const gatewayTtft = await timeToFirstByte(gateway);
      console.log(
        `\nstreaming time to first byte (median of ${TTFT_SAMPLES} sequential): bare ${fmt(bareTtft, 3)} ms, gateway ${fmt(gatewayTtft, 3)} ms, added ${fmt(gatewayTtft - bareTtft, 3)} ms`,
      );
    }
    if (process.env.BENCH_TELEMETRY !== '0' && runs('telemetry')) await benchTelemetryModes(upstream, bare, scratchDir);
    if (runs('mcp')) await benchMcpCalls(upstream);
    if (BASE_REF !== 'none' && runs('base')) await compareWithBase(upstream, bare, gateway, scratchDir);
  } finally {
    for (const child of children.reverse()) child.process.kill('SIGTERM');
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
