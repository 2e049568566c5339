/**
 * The conformance fixture (test/fixtures/conformance-server) as a child process serving streamable HTTP on a free
 * port: 2025 sessions and 2026-07-28 requests on one URL. Used by the SDK client suites and the conformance script.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/gateway.ts';

export const FIXTURE_ENTRY = join(REPO_ROOT, 'test/fixtures/conformance-server/main.ts');

export function startFixtureHttp(): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE_ENTRY, 'http', '0'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /listening on port (\d+)/.exec(seen);
      if (match) resolve({ url: `http://127.0.0.1:${match[1]}/mcp`, child, stop });
    });
    child.once('exit', (code) => reject(new Error(`the fixture exited (${code}): ${seen}`)));
  });
}
