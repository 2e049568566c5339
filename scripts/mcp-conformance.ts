/**
 * Runs the MCP conformance suite through the gateway: starts the conformance fixture (test/fixtures/conformance-
 * server) over streamable HTTP, a gateway fronting it as server `conformance` (and over stdio as `conformance-
 * stdio`), a team whose policy allows everything on both, and a loopback proxy that adds the team's key to every
 * request (the suite's CLI sends no credentials; Host and Origin pass through untouched, so the DNS-rebinding
 * checks still reach the gateway). Then, for each revision, `conformance server` against `/mcp/servers/conformance`,
 * and the transport scenarios against `/mcp`. Scenarios a gateway answers differently by design are in
 * scripts/mcp-conformance-baseline.yml (each with its reason; the README lists them).
 *
 * Usage: tsx scripts/mcp-conformance.ts <node22-binary> <conformance-cli.js> [results-dir]
 */
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { FIXTURE_ENTRY as FIXTURE, startFixtureHttp } from '../test/integration/mcp/fixture.ts';
import { startMcpGateway } from '../test/integration/mcp/support.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BASELINE = join(ROOT, 'scripts/mcp-conformance-baseline.yml');
const [nodeBinary, conformanceCli, resultsDir = join(process.env.TMPDIR ?? '/tmp', 'gatehouse-mcp-conformance')] =
  process.argv.slice(2);

interface Run {
  label: string;
  path: string;
  args: string[];
}

const RUNS: Run[] = [
  { label: '2025-06-18', path: '/mcp/servers/conformance', args: ['--spec-version', '2025-06-18'] },
  { label: '2025-11-25', path: '/mcp/servers/conformance', args: ['--spec-version', '2025-11-25'] },
  { label: '2026-07-28', path: '/mcp/servers/conformance', args: ['--suite', 'all', '--spec-version', '2026-07-28'] },
  { label: '2025-06-18 over stdio', path: '/mcp/servers/conformance-stdio', args: ['--spec-version', '2025-06-18'] },
  { label: '2025-11-25 over stdio', path: '/mcp/servers/conformance-stdio', args: ['--spec-version', '2025-11-25'] },
  {
    label: '2026-07-28 over stdio',
    path: '/mcp/servers/conformance-stdio',
    args: ['--suite', 'all', '--spec-version', '2026-07-28'],
  },
  ...['server-stateless', 'http-header-validation', 'dns-rebinding-protection', 'caching'].map((scenario) => ({
    label: `/mcp ${scenario}`,
    path: '/mcp',
    args: ['--scenario', scenario, '--spec-version', '2026-07-28'],
  })),
];

/** Forwards every request to the gateway with the key added; nothing else changes. */
function startKeyProxy(target: URL, key: string): Promise<{ url: string; close(): void }> {
  const server = createServer((incoming, outgoing) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, authorization: `Bearer ${key}` },
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    outgoing.on('close', () => upstream.destroy());
    incoming.pipe(upstream);
  });
  return new Promise((resolvePromise) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolvePromise({ url: `http://127.0.0.1:${port}`, close: () => server.close() });
    });
  });
}

function runSuite(run: Run, baseUrl: string): Promise<{ code: number; summary: string }> {
  const args = [
    conformanceCli ?? '',
    'server',
    '--url',
    `${baseUrl}${run.path}`,
    ...run.args,
    ...(run.path === '/mcp' ? ['--expected-failures', BASELINE] : []),
    '-o',
    join(resultsDir, run.label.replace(/[^a-z0-9-]+/gi, '_')),
  ];
  return new Promise((resolvePromise) => {
    const child = spawn(nodeBinary ?? 'node', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      const at = output.indexOf('=== SUMMARY ===');
      resolvePromise({ code: code ?? 1, summary: at === -1 ? output.slice(-4000) : output.slice(at) });
    });
  });
}

async function main(): Promise<number> {
  if (!nodeBinary || !conformanceCli) throw new Error('usage: mcp-conformance.ts <node22> <conformance-cli.js>');
  const fixture = await startFixtureHttp();
  const ctx = await startMcpGateway({
    stdio_allowed_commands: [process.execPath],
    servers: [
      { id: 'conformance', transport: 'streamable_http', url: fixture.url },
      {
        id: 'conformance-stdio',
        transport: 'stdio',
        command: process.execPath,
        args: ['--import', 'tsx', FIXTURE, 'stdio'],
        cwd: ROOT,
      },
    ],
  });
  const identity = await ctx.gateway.createIdentity();
  await ctx.gateway.gateway.mcp.policies.put(
    identity.team.id,
    { rules: [{ server: 'conformance*', tools: ['*'], prompts: ['*'], resources: ['*'] }] },
    null,
  );
  const proxy = await startKeyProxy(new URL(ctx.gateway.baseUrl), identity.key);
  let failed = 0;
  let ran = 0;
  try {
    // MCP_CONFORMANCE_ONLY=<part of a label> runs the matching runs only (for local debugging).
    const only = process.env.MCP_CONFORMANCE_ONLY;
    for (const run of RUNS.filter((candidate) => only === undefined || candidate.label.includes(only))) {
      const started = Date.now();
      const { code, summary } = await runSuite(run, proxy.url);
      ran += 1;
      process.stdout.write(`\n##### ${run.label} (${run.path}) exit ${code}, ${Date.now() - started} ms\n${summary}\n`);
      if (code !== 0) failed += 1;
    }
  } finally {
    proxy.close();
    await ctx.dispose();
    await fixture.stop();
  }
  process.stdout.write(`\nMCP conformance through the gateway: ${ran - failed} of ${ran} runs passed\n`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
