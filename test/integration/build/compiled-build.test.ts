/**
 * Issue 17 "A compiled build": `npm run build`'s output runs on its own. Built fresh into a folder of its own (inside
 * `node_modules/.cache`, so the packages left out of the bundle resolve), never the checkout's `dist/`, which may be
 * stale. The server serves a chat completion to a fake upstream with the audit thread loaded from the build, the CLI
 * answers `--version` and store commands, the health check script tells up from down, and `bin/gatehouse.js`
 * says what to do when there is no build.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import {
  createGatewayEnvironment,
  createTempDir,
  type GatewayEnvironment,
  REPO_ROOT,
  spawnGatewayProcess,
  useOneUpstreamConfig,
  verifiedChains,
} from '../../helpers/gateway.ts';
import { freePort } from '../../helpers/services.ts';

const OUTDIR = join(REPO_ROOT, 'node_modules', '.cache', `gatehouse-build-test-${process.pid}`);
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}, stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const cli = (env: Record<string, string>, ...args: string[]) => run([join(OUTDIR, 'cli.js'), ...args], env);

let environment: GatewayEnvironment;
let upstream: FakeLlmUpstream;

beforeAll(async () => {
  const built = await run(['--import', 'tsx', 'scripts/build.ts', '--outdir', OUTDIR]);
  expect(built.code, built.stderr).toBe(0);
  upstream = await createFakeLlmUpstream();
  environment = await createGatewayEnvironment('sqlite', { LOG_LEVEL: 'info' });
  useOneUpstreamConfig(environment, upstream.origin, 'gpt-4o-mini');
}, 120_000);

afterAll(async () => {
  await upstream?.close();
  await environment?.dispose();
  rmSync(OUTDIR, { recursive: true, force: true });
});

describe('the compiled build', () => {
  it('answers --version from the package version, through commander too', async () => {
    const short = await cli({}, '--version');
    expect(short).toMatchObject({ code: 0, stdout: `${PACKAGE_VERSION}\n` });
    const viaCommander = await cli({}, '--config', 'none.yaml', '--version');
    expect(viaCommander.code).toBe(0);
    expect(viaCommander.stdout.trim()).toBe(PACKAGE_VERSION);
  });

  it('runs store commands and refuses an unknown option', async () => {
    const created = await cli(environment.env, 'tenant', 'create', '--name', 'built', '--json');
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'built' });
    const listed = await cli(environment.env, 'tenant', 'list');
    expect(listed.stdout).toContain('built');
    const unknown = await cli(environment.env, 'tenant', 'list', '--nope');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown option '--nope'");
  });

  it('serves a chat completion with the audit thread from the build, drains on SIGTERM, and the chain verifies', async () => {
    const team = await cli(environment.env, 'team', 'create', '--tenant', 'built', '--name', 'ops');
    expect(team.code, team.stderr).toBe(0);
    const key = await cli(
      environment.env,
      'key',
      'create',
      '--tenant',
      'built',
      '--team',
      'ops',
      '--name',
      'k',
      '--json',
    );
    expect(key.code, key.stderr).toBe(0);
    const secret = (JSON.parse(key.stdout) as { key: string }).key;

    const server = spawnGatewayProcess(environment.env, [], { entry: join(OUTDIR, 'main.js') });
    const baseUrl = await server.baseUrl;
    const reply = await request(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = (await reply.body.json()) as { choices: Array<{ message: { content: string } }> };
    expect(reply.statusCode).toBe(200);
    expect(body.choices[0]?.message.content).toBe(upstream.replyText);

    const port = new URL(baseUrl).port;
    const healthy = await run([join(OUTDIR, 'healthcheck.js')], { PORT: port });
    expect(healthy.code).toBe(0);

    server.child.kill('SIGTERM');
    expect(await server.exit).toEqual({ code: 0, signal: null });
    const verified = await cli(environment.env, 'audit', 'verify', '--json');
    expect(verified.code, verified.stderr).toBe(0);
    const chains = verifiedChains(verified.stdout);
    expect(chains.every((chain) => chain.ok)).toBe(true);
    // At least the chat completion's event, sealed and committed by the audit thread loaded from the build.
    expect(chains.reduce((sum, chain) => sum + chain.count, 0)).toBeGreaterThanOrEqual(1);
  });

  it('has the health check fail when nothing listens', async () => {
    const down = await run([join(OUTDIR, 'healthcheck.js')], { PORT: String(await freePort()) });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('healthcheck:');
  });

  it('has bin/gatehouse.js name the missing build', async () => {
    const dir = createTempDir();
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(REPO_ROOT, 'bin', 'gatehouse.js'), join(dir, 'bin', 'gatehouse.js'));
    const missing = await run([join(dir, 'bin', 'gatehouse.js'), '--version']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('run `npm run build` first');
  });
});
