/**
 * The MCP part of `npm run bench`: a `tools/call` through the gateway, on the aggregate `/mcp` and on the
 * per-server `/mcp/servers/{id}`, against the same upstream MCP server (the conformance fixture over streamable
 * HTTP) called directly. The official SDK client makes every call, so each side pays the same client cost. Two
 * measures, each in interleaved rounds (the order rotates each round, so host drift moves every side alike):
 * sequential round trips (p50, p99) and throughput with concurrent callers, with the gateway's CPU per call. The
 * client runs in the bench process, on the same cores as the gateway and the fixture.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { median } from './compare.ts';

/** The fixture's cheapest tool: no arguments, one text block back. */
const TOOL = 'test_simple_text';

export interface McpBenchHooks<C extends { url: string; key: string | null }> {
  /** The gateway, started to front `upstreamUrl` as MCP server `bench`. */
  startGateway(upstreamUrl: string): Promise<C>;
  startFixture(): Promise<{ url: string; stop(): Promise<void> }>;
  stop(child: C): Promise<void>;
  cpuMicros(child: C): Promise<number>;
  rounds: number;
  roundSeconds: number;
  sequentialCalls: number;
  concurrency: number;
}

interface Target {
  name: string;
  client: Client;
  tool: string;
}

interface Round {
  p50Ms: number;
  p99Ms: number;
  rps: number;
  gatewayCpuPerCallUs: number;
  errors: number;
}

async function connect(url: string, key: string | null): Promise<Client> {
  const client = new Client({ name: 'gatehouse-bench', version: '1.0.0' });
  const headers: Record<string, string> = key === null ? {} : { authorization: `Bearer ${key}` };
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

async function call(target: Target): Promise<boolean> {
  const result = await target.client.callTool({ name: target.tool, arguments: {} }).catch(() => null);
  return result !== null && result.isError !== true;
}

async function sequential(target: Target, calls: number): Promise<{ p50Ms: number; p99Ms: number; errors: number }> {
  const samples: number[] = [];
  let errors = 0;
  for (let i = 0; i < calls; i++) {
    const started = process.hrtime.bigint();
    if (!(await call(target))) errors += 1;
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { p50Ms: percentile(samples, 0.5), p99Ms: percentile(samples, 0.99), errors };
}

async function saturate(
  target: Target,
  seconds: number,
  concurrency: number,
): Promise<{ calls: number; rps: number; errors: number }> {
  const deadline = performance.now() + seconds * 1000;
  let calls = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        if (!(await call(target))) errors += 1;
        calls += 1;
      }
    }),
  );
  return { calls, rps: calls / ((performance.now() - started) / 1000), errors };
}

const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export async function benchMcp<C extends { url: string; key: string | null }>(hooks: McpBenchHooks<C>): Promise<void> {
  const fixture = await hooks.startFixture();
  let gateway: C | null = null;
  const clients: Client[] = [];
  try {
    gateway = await hooks.startGateway(fixture.url);
    const viaGateway = gateway;
    const targets: Target[] = [
      { name: 'direct', client: await connect(fixture.url, null), tool: TOOL },
      { name: '/mcp', client: await connect(`${viaGateway.url}/mcp`, viaGateway.key), tool: `bench__${TOOL}` },
      {
        name: '/mcp/servers/bench',
        client: await connect(`${viaGateway.url}/mcp/servers/bench`, viaGateway.key),
        tool: TOOL,
      },
    ];
    clients.push(...targets.map((target) => target.client));
    // Unmeasured: every path optimized, every session open, before a round is timed.
    for (const target of targets) {
      if (!(await call(target))) throw new Error(`tools/call ${target.tool} via ${target.name} failed`);
      await saturate(target, 1, hooks.concurrency);
    }
    const results = new Map<string, Round[]>(targets.map((target) => [target.name, []]));
    for (let round = 0; round < hooks.rounds; round++) {
      for (let i = 0; i < targets.length; i++) {
        const target = targets[(round + i) % targets.length] as Target;
        const latency = await sequential(target, hooks.sequentialCalls);
        const cpuBefore = await hooks.cpuMicros(viaGateway);
        const load = await saturate(target, hooks.roundSeconds, hooks.concurrency);
        const cpuAfter = await hooks.cpuMicros(viaGateway);
        results.get(target.name)?.push({
          p50Ms: latency.p50Ms,
          p99Ms: latency.p99Ms,
          rps: load.rps,
          gatewayCpuPerCallUs: target.name === 'direct' ? Number.NaN : (cpuAfter - cpuBefore) / load.calls,
          errors: latency.errors + load.errors,
        });
      }
    }
    console.log(
      `\nMCP tools/call (${TOOL}, SDK client over streamable HTTP): ${hooks.rounds} interleaved rounds; ${hooks.sequentialCalls} sequential calls, then ${hooks.concurrency} concurrent callers for ${hooks.roundSeconds}s`,
    );
    console.log(
      'target               p50 ms  p99 ms  +p50 ms  +p99 ms  rps     vs direct  gateway cpu µs/call  errors',
    );
    const direct = results.get('direct') ?? [];
    const m = (rounds: Round[], pick: (r: Round) => number) => median(rounds.map(pick));
    for (const target of targets) {
      const rounds = results.get(target.name) ?? [];
      const isDirect = target.name === 'direct';
      const added = (pick: (r: Round) => number) => (isDirect ? '-' : fmt(m(rounds, pick) - m(direct, pick)));
      console.log(
        `${target.name.padEnd(19)}  ${fmt(m(rounds, (r) => r.p50Ms)).padStart(6)}  ${fmt(m(rounds, (r) => r.p99Ms)).padStart(6)}  ${added((r) => r.p50Ms).padStart(7)}  ${added((r) => r.p99Ms).padStart(7)}  ${fmt(
          m(rounds, (r) => r.rps),
          0,
        ).padStart(
          6,
        )}  ${(isDirect ? '-' : `${fmt(m(rounds, (r) => r.rps) / m(direct, (r) => r.rps))}x`).padStart(9)}  ${(
          isDirect
            ? '-'
            : fmt(
                m(rounds, (r) => r.gatewayCpuPerCallUs),
                0,
              )
        ).padStart(19)}  ${String(rounds.reduce((sum, r) => sum + r.errors, 0)).padStart(6)}`,
      );
    }
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => {})));
    if (gateway) await hooks.stop(gateway);
    await fixture.stop();
  }
}
