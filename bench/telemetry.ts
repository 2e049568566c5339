/**
 * The telemetry part of `npm run bench`: the gateway with tracing off against the same gateway tracing every
 * request (100%) and 1% of them, each exporting to a local OTLP sink. Saturation is compared in interleaved
 * rounds (as against the base revision, so host drift moves both sides alike); added latency at a steady load is
 * measured against the bare proxy.
 */
import { request } from 'undici';
import { interleave, median } from './compare.ts';

export interface TelemetryBenchChild {
  url: string;
}

export interface TelemetryBenchHooks<
  C extends TelemetryBenchChild,
  M extends { rps: number; loopPerRequestUs: number },
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

const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export async function benchTelemetry<
  C extends TelemetryBenchChild,
  M extends { rps: number; loopPerRequestUs: number },
>(off: C, bare: C, hooks: TelemetryBenchHooks<C, M>): Promise<void> {
  const sink = await hooks.startSink();
  const bareSteady = await hooks.steady(bare);
  const offSteady = await hooks.steady(off);
  console.log(
    `\ntelemetry: tracing off vs on, JSON chat; ${hooks.rounds} interleaved saturation rounds of ${hooks.roundSeconds}s per side, OTLP/HTTP to a local sink`,
  );
  console.log(
    'tracing      rps off   rps on  ratio (median)  loop µs/req off / on  steady +p50 ms  +p99 ms  spans exported',
  );
  console.log(
    `off             -        -          -             -                ${fmt(offSteady.p50Ms - bareSteady.p50Ms).padStart(6)}  ${fmt(offSteady.p99Ms - bareSteady.p99Ms).padStart(7)}  0`,
  );
  try {
    for (const ratio of ['1', '0.01']) {
      const before = Number(await (await request(sink.url)).body.text());
      const traced = await hooks.startGateway({ BENCH_OTLP_ENDPOINT: sink.url, BENCH_TRACE_RATIO: ratio });
      try {
        await hooks.warmUp(traced);
        const rounds = await interleave(hooks.rounds, (side) =>
          hooks.saturate(side === 'base' ? off : traced, hooks.roundSeconds),
        );
        const steady = await hooks.steady(traced);
        const rps = (side: M[]) => median(side.map((r) => r.rps));
        const loop = (side: M[]) => median(side.map((r) => r.loopPerRequestUs));
        const ratios = rounds.current.map((r, i) => r.rps / (rounds.base[i]?.rps ?? Number.NaN));
        // Batches still in the exporter's queue arrive within its 1 s delay.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const spans = Number(await (await request(sink.url)).body.text()) - before;
        console.log(
          `${ratio === '1' ? '100%' : '1%  '}     ${fmt(rps(rounds.base), 0).padStart(8)}  ${fmt(rps(rounds.current), 0).padStart(7)}  ${`${fmt(median(ratios))}x`.padStart(14)}  ${`${fmt(loop(rounds.base), 0)} / ${fmt(loop(rounds.current), 0)}`.padStart(20)}  ${fmt(steady.p50Ms - bareSteady.p50Ms).padStart(14)}  ${fmt(steady.p99Ms - bareSteady.p99Ms).padStart(7)}  ${spans}`,
        );
      } finally {
        await hooks.stop(traced);
      }
    }
  } finally {
    await hooks.stop(sink);
  }
}
