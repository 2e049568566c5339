/**
 * Issue 14, finding 11: a CLI command that prints must drain standard output before it exits. `audit export` piped
 * into another program printed 52 of 8,308 events, because the process exited with the rest still queued for the
 * pipe. Runs the real `gatehouse` entry (from source) with its output on a pipe.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../../src/domain/ids.ts';
import { createGatewayEnvironment, type GatewayEnvironment, REPO_ROOT, startGateway } from '../../helpers/gateway.ts';

const EVENTS = 3000;

function runPiped(
  env: Record<string, string>,
  command: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('issue 14 finding 11: CLI output survives a pipe', () => {
  let environment: GatewayEnvironment;

  beforeAll(async () => {
    environment = await createGatewayEnvironment();
    const gw = await startGateway({ environment });
    const now = Date.now();
    for (let i = 0; i < EVENTS; i++) {
      gw.gateway.audit.enqueue({
        id: uuidv7(now + i),
        ts: new Date(now + i).toISOString(),
        request_id: `cli-flush-${i}`,
        region: 'local',
        principal: null,
        surface: '__unmatched__',
        method: 'GET',
        path: '/__unmatched__',
        status: 404,
        outcome: 'client_error',
        latency_ms: 0.1,
        authz: null,
        upstream: null,
        usage: null,
        error_code: 'not_found',
        meta: { padding: 'x'.repeat(200) },
      });
    }
    await gw.close();
  }, 60_000);
  afterAll(() => environment?.dispose());

  it('`audit export | wc -l` counts every event', async () => {
    const result = await runPiped(environment.env, 'node --import tsx src/cli/main.ts audit export | wc -l');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(Number(result.stdout.trim())).toBe(EVENTS);
  }, 60_000);

  it('`audit tail -n N | cat` prints all N events', async () => {
    const result = await runPiped(environment.env, `node --import tsx src/cli/main.ts audit tail -n ${EVENTS} | cat`);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(EVENTS);
  }, 60_000);

  it('`audit export | head -n 3` ends quietly when the reader stops early', async () => {
    const result = await runPiped(environment.env, 'node --import tsx src/cli/main.ts audit export | head -n 3');
    expect(result.stdout.split('\n').filter((line) => line.startsWith('{'))).toHaveLength(3);
    expect(result.stderr).not.toMatch(/EPIPE|Error/);
  }, 60_000);
});
