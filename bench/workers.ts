/**
 * The `--workers` part of `npm run bench` (also `npx tsx bench/workers.ts` alone): the compiled gateway as
 * `npm start` runs it, alone, then as a primary with 1 and 2 workers (shared state in the primary, over IPC), and
 * with 2 workers on Redis when `BENCH_REDIS_URL` is set; each driven by wrk with non-streaming chat on loopback, on a
 * key with limits and a daily budget, so every request is admitted and settled through the shared state. wrk and the
 * fake upstream run on the same cores as the gateway: on a 2-core machine the second worker competes with them.
 * BENCH_DURATION (s), BENCH_WARMUP (s) and BENCH_CONNECTIONS bound it, as for the main bench.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { createBenchUpstream } from './fake-upstream.ts';
import { runWrk, type WrkResult } from './wrk.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 4);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? null;
const run = promisify(execFile);

interface Mode {
  name: string;
  args: string[];
  env: Record<string, string>;
  listening: number;
}

function freePort(): Promise<number> {
  const server = createBenchUpstream();
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    }),
  );
}

async function startGateway(
  outdir: string,
  mode: Mode,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(outdir, 'main.js'), ...mode.args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, ...mode.env, PORT: String(port), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const deadline = Date.now() + 120_000;
  while (output.split('Server listening at').length - 1 < mode.listening) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${mode.name} did not start: ${output}`);
    await new Promise((done) => setTimeout(done, 200));
  }
  return { child, url: `http://127.0.0.1:${port}` };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-bench-workers-'));
  // Built beside node_modules so the packages left out of the bundle resolve (as in the build test).
  const outdir = join(REPO_ROOT, 'node_modules', '.cache', `gatehouse-bench-workers-${process.pid}`);
  const upstream = createBenchUpstream();
  await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  try {
    await run(process.execPath, ['--import', 'tsx', 'scripts/build.ts', '--outdir', outdir], { cwd: REPO_ROOT });
    const configFile = join(scratch, 'gatehouse.yaml');
    writeFileSync(
      configFile,
      [
        'upstreams:',
        `  - { id: bench, provider: openai, base_url: "${upstreamUrl}/v1", api_keys: [unused] }`,
        'models:',
        '  - { name: bench-model, targets: [{ upstream: bench, model: bench-model }] }',
        'telemetry: { access_log: { enabled: false } }',
        '',
      ].join('\n'),
    );
    const env = {
      GATEHOUSE_DATA_DIR: join(scratch, 'data'),
      GATEHOUSE_CONFIG: configFile,
      GATEHOUSE_MASTER_KEY: randomBytes(32).toString('hex'),
      HOST: '127.0.0.1',
    };
    const cli = (...args: string[]) =>
      run(process.execPath, [join(outdir, 'cli.js'), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    await cli('tenant', 'create', '--name', 'bench');
    await cli('team', 'create', '--tenant', 'bench', '--name', 'bench');
    const created = await cli(
      ...['key', 'create', '--tenant', 'bench', '--team', 'bench', '--name', 'bench', '--json'],
      ...['--rpm', '100000000', '--max-parallel', '100000', '--budget-tokens-daily', '1000000000000'],
    );
    const key = (JSON.parse(created.stdout) as { key: string }).key;

    const modes: Mode[] = [
      { name: 'one process (no --workers)', args: [], env: {}, listening: 1 },
      { name: '--workers 1 (state in the primary)', args: ['--workers', '1'], env: {}, listening: 1 },
      { name: '--workers 2 (state in the primary)', args: ['--workers', '2'], env: {}, listening: 2 },
      ...(REDIS_URL
        ? [{ name: '--workers 2 (Redis)', args: ['--workers', '2'], env: { REDIS_URL }, listening: 2 }]
        : []),
    ];
    const body = JSON.stringify({
      model: 'bench-model',
      messages: [{ role: 'user', content: 'Write one short sentence about foxes.' }],
      max_tokens: 32,
    });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    const rows: Array<{ mode: string } & WrkResult> = [];
    for (const mode of modes) {
      const gateway = await startGateway(outdir, mode, env);
      try {
        const url = `${gateway.url}/v1/chat/completions`;
        const probe = await request(url, { method: 'POST', headers, body });
        if (probe.statusCode !== 200) throw new Error(`${mode.name}: ${probe.statusCode} ${await probe.body.text()}`);
        await probe.body.dump();
        const options = { url, body, headers, connections: CONNECTIONS, threads: 2, scratchDir: scratch };
        await runWrk({ ...options, durationS: WARMUP_S });
        rows.push({ mode: mode.name, ...(await runWrk({ ...options, durationS: DURATION_S })) });
      } finally {
        await stop(gateway.child);
      }
    }
    process.stdout.write(
      `\n--workers: non-streaming chat, ${CONNECTIONS} connections, ${DURATION_S} s each (wrk and the upstream share the cores)\n`,
    );
    process.stdout.write('| mode | rps | p50 ms | p99 ms | errors |\n|---|---|---|---|---|\n');
    for (const row of rows) {
      process.stdout.write(
        `| ${row.mode} | ${Math.round(row.rps)} | ${row.p50Ms.toFixed(1)} | ${row.p99Ms.toFixed(1)} | ${row.errors} |\n`,
      );
    }
  } finally {
    upstream.close();
    rmSync(scratch, { recursive: true, force: true });
    rmSync(outdir, { recursive: true, force: true });
  }
}

await main();
