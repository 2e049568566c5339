/**
 * The telemetry part of `npm run bench`: tracing off against tracing every request (100%) and 1% of them, each
 * traced gateway exporting to its own local OTLP sink. Every side is a gateway started for this part alone and
 * warmed up the same way, so no side carries another's JIT warm-up or history. A second tracing-off gateway is
 * the A/A control: its ratio against the first shows how far this host's noise alone moves a ratio. The sides
 * run in interleaved rounds whose order rotates each round, so host drift and position in the round touch every
 * side alike. Added latency at a steady load is measured against the bare proxy.
 */
import { request } from 'undici';
import { median } from './compare.ts';

export interface TelemetryBenchChild {
  url: string;
}

export interface TelemetryBenchHooks<
  C extends TelemetryBenchChild,
  M extends { rps: number; cpuPerRequestUs: number; threadCpuPerRequestUs: number },
> {
  startSink(): Promise<C>;
  startGateway(env: Record<string, string>): Promise<C>;
  stop(child: C): Promise<void>;
  warmUp(child: C): Promise<void>;
  saturate(child: C, seconds: number): Promise<M>;
  steady(child: C): Promise<{ p50Ms: number; p99Ms: number; errors: number }>;
  rounds: number;
  roundSeconds: number;
}

interface Side<C> {
  name: string;
  /** null: tracing off; otherwise the head sampling ratio. */
  ratio: string | null;
  gateway: C;
  sink: C | null;
}

const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

async function spanCount(sink: TelemetryBenchChild): Promise<number> {
  return Number(await (await request(sink.url)).body.text());
}

/** Round `round`'s running order: the sides rotated by the round number, so each side leads as often as any. */
function rotated<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

export async function benchTelemetry<
  C extends TelemetryBenchChild,
  M extends { rps: number; cpuPerRequestUs: number; threadCpuPerRequestUs: number },
>(bare: C, hooks: TelemetryBenchHooks<C, M>): Promise<void> {
  const plan: Array<{ name: string; ratio: string | null }> = [
    { name: 'off (ref)', ratio: null },
    { name: 'off (A/A)', ratio: null },
    { name: '100%', ratio: '1' },
    { name: '1%', ratio: '0.01' },
  ];
  const sides: Side<C>[] = [];
  const started: C[] = [];
  try {
    for (const { name, ratio } of plan) {
      const sink = ratio === null ? null : await hooks.startSink();
      if (sink !== null) started.push(sink);
      const env: Record<string, string> =
        sink === null ? {} : { BENCH_OTLP_ENDPOINT: sink.url, BENCH_TRACE_RATIO: ratio as string };
      const gateway = await hooks.startGateway(env);
      started.push(gateway);
      sides.push({ name, ratio, sink, gateway });
    }
    for (const side of sides) await hooks.warmUp(side.gateway);
    const before = await Promise.all(sides.map((side) => (side.sink === null ? 0 : spanCount(side.sink))));
    const runs = new Map<Side<C>, M[]>(sides.map((side) => [side, []]));
    for (let round = 0; round < hooks.rounds; round++) {
      for (const side of rotated(sides, round)) {
        runs.get(side)?.push(await hooks.saturate(side.gateway, hooks.roundSeconds));
      }
    }
    const bareSteady = await hooks.steady(bare);
    const steady: Array<{ p50Ms: number; p99Ms: number }> = [];
    for (const side of sides) steady.push(await hooks.steady(side.gateway));
    // Batches still in an exporter's queue arrive within its 1 s delay.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const spans = await Promise.all(
      sides.map(async (side, i) => (side.sink === null ? 0 : (await spanCount(side.sink)) - (before[i] ?? 0))),
    );

    const reference = runs.get(sides[0] as Side<C>) as M[];
    console.log(
      `\ntelemetry: four freshly started gateways, same warm-up; ${hooks.rounds} rounds of ${hooks.roundSeconds}s per side, order rotating each round; JSON chat; OTLP/HTTP to a local sink per traced side`,
    );
    console.log(
      'tracing     rps (median)  ratio vs off (median)  per-round ratios               thread cpu µs/req  process cpu µs/req  steady +p50 ms  +p99 ms  spans exported',
    );
    sides.forEach((side, i) => {
      const measured = runs.get(side) as M[];
      const ratios = measured.map((r, round) => r.rps / (reference[round]?.rps ?? Number.NaN));
      const isReference = i === 0;
      const s = steady[i] ?? { p50Ms: Number.NaN, p99Ms: Number.NaN };
      console.log(
        `${side.name.padEnd(10)}  ${fmt(median(measured.map((r) => r.rps)), 0).padStart(12)}  ${(isReference ? '-' : `${fmt(median(ratios))}x`).padStart(21)}  ${(isReference ? '-' : ratios.map((r) => fmt(r)).join(' ')).padEnd(29)}  ${fmt(median(measured.map((r) => r.threadCpuPerRequestUs)), 0).padStart(17)}  ${fmt(median(measured.map((r) => r.cpuPerRequestUs)), 0).padStart(18)}  ${fmt(s.p50Ms - bareSteady.p50Ms).padStart(14)}  ${fmt(s.p99Ms - bareSteady.p99Ms).padStart(7)}  ${side.ratio === null ? '-' : spans[i]}`,
      );
    });
    console.log(
      'The A/A row is tracing off against tracing off: a traced ratio inside its spread is not a measurable cost.',
    );
  } finally {
    for (const child of started.reverse()) await hooks.stop(child);
  }
}
