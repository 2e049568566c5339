/**
 * Issue 2 "What a user does", step by step through the CLI: tenants, teams, keys shown once and stored only as a
 * hash, revoke, rotate, audit tail/export, and write-only secrets. In-process through `runCli`, plus the real
 * the `gatehouse` process entry for the process boundary (exit codes, stdin).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.ts';
import {
  CLI_FROM_SOURCE,
  type CliResult,
  createGatewayEnvironment,
  type GatewayEnvironment,
  REPO_ROOT,
  runCliWithEnv,
  spawnGatewayProcess,
  startGateway,
} from '../../helpers/gateway.ts';

const SECRET_VALUE = 'sk-live-do-not-print-42';

function runBin(env: Record<string, string>, args: string[], stdin = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_FROM_SOURCE, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const out = stdout.split('\n').filter((line) => line.length > 0);
      resolve({ code: code ?? -1, out, err: stderr.split('\n'), stdout: out.join('\n'), stderr });
    });
    child.stdin.end(stdin);
  });
}

describe('gatehouse CLI (sqlite)', () => {
  let environment: GatewayEnvironment;
  let env: Record<string, string>;
  const printed: string[] = [];
  const issuedKeys: string[] = [];

  async function cli(argv: string[], stdin = ''): Promise<CliResult> {
    const result = await runCliWithEnv(env, argv, stdin);
    printed.push(result.stdout, result.stderr);
    return result;
  }

  beforeAll(async () => {
    environment = await createGatewayEnvironment();
    env = environment.env;
  });
  afterAll(async () => {
    await environment?.dispose();
  });

  it('creates a tenant and a team, refusing duplicates and unknown tenants', async () => {
    const tenant = await cli(['tenant', 'create', '--name', 'acme', '--json']);
    expect(tenant.code).toBe(0);
    expect(JSON.parse(tenant.stdout)).toMatchObject({ name: 'acme', id: expect.any(String) });
    const again = await cli(['tenant', 'create', '--name', 'acme']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('tenant with name "acme" already exists');
    expect((await cli(['tenant', 'create', '--name', 'bad name!'])).stderr).toContain('name: must be');

    const team = await cli(['team', 'create', '--tenant', 'acme', '--name', 'research', '--json']);
    expect(team.code).toBe(0);
    expect(JSON.parse(team.stdout)).toMatchObject({ name: 'research', tenant_id: JSON.parse(tenant.stdout).id });
    expect((await cli(['team', 'create', '--tenant', 'acme', '--name', 'research'])).code).toBe(1);
    const orphan = await cli(['team', 'create', '--tenant', 'nope', '--name', 'x']);
    expect([orphan.code, orphan.stderr]).toEqual([1, 'gatehouse: tenant "nope" not found']);
    expect((await cli(['tenant', 'list'])).stdout).toContain('acme');
  });

  it('rejects unknown flags and commands with a usage error', async () => {
    const flag = await cli(['key', 'list', '--tenant', 'acme', '--bogus']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--bogus'");
    expect((await cli(['frobnicate'])).code).toBe(2);
    const missing = await cli(['key', 'create', '--tenant', 'acme']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--team');
  });

  it('shows a new key exactly once and stores only its hash', async () => {
    const created = await cli([
      'key',
      'create',
      '--tenant',
      'acme',
      '--team',
      'research',
      '--name',
      'ci-bot',
      '--json',
    ]);
    expect(created.code).toBe(0);
    const view = JSON.parse(created.stdout) as Record<string, string | null>;
    const key = view.key as string;
    issuedKeys.push(key);
    expect(key).toMatch(/^gh_[0-9A-Za-z]{43}$/);
    expect(view).toMatchObject({ prefix: key.slice(0, 11), name: 'ci-bot', status: 'active', expires_at: null });
    expect(view).not.toHaveProperty('hash');

    const plain = await cli(['key', 'create', '--tenant', 'acme', '--team', 'research', '--name', 'plain']);
    expect(plain.out).toHaveLength(1);
    issuedKeys.push(plain.stdout);
    expect(plain.stderr).toContain('shown only this once');
    expect(plain.stderr).not.toContain(plain.stdout);

    const listed = await cli(['key', 'list', '--tenant', 'acme']);
    expect(listed.out).toHaveLength(2);
    expect(listed.stdout).toContain(view.prefix);
    for (const issued of issuedKeys) expect(listed.stdout).not.toContain(issued);

    const store = openStore({ dataDir: environment.dataDir, writeUrl: null });
    const rows = await store.read.selectFrom('virtual_keys').selectAll().execute();
    await store.close();
    expect(rows.every((row) => /^[0-9a-f]{64}$/.test(row.hash) && row.hash_mode === 'hmac')).toBe(true);
    for (const file of ['gatehouse.db', 'gatehouse.db-wal']) {
      const path = join(environment.dataDir, file);
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path).toString('latin1');
      for (const issued of issuedKeys) expect(bytes.includes(issued)).toBe(false);
    }
  });

  it('sets an expiry from --expires and refuses garbage durations', async () => {
    const created = await cli([
      'key',
      'create',
      '--tenant',
      'acme',
      '--team',
      'research',
      '--name',
      'temp',
      '--expires',
      '30d',
      '--json',
    ]);
    const view = JSON.parse(created.stdout) as { expires_at: string; created_at: string; key: string };
    issuedKeys.push(view.key);
    expect(Date.parse(view.expires_at) - Date.parse(view.created_at)).toBe(30 * 86_400_000);
    for (const garbage of ['soon', '30', '-1d', '0d', '1y']) {
      const bad = await cli([
        'key',
        'create',
        '--tenant',
        'acme',
        '--team',
        'research',
        '--name',
        'bad',
        '--expires',
        garbage,
      ]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('--expires');
    }
  });

  it('refuses a team of another tenant', async () => {
    await cli(['tenant', 'create', '--name', 'globex']);
    const cross = await cli(['key', 'create', '--tenant', 'globex', '--team', 'research', '--name', 'x']);
    expect([cross.code, cross.stderr]).toEqual([1, 'gatehouse: team "research" not found']);
  });

  it('revokes by prefix and rotates by id with a grace period', async () => {
    const listed = (await cli(['key', 'list', '--tenant', 'acme', '--json'])).out.map(
      (line) => JSON.parse(line) as { id: string; prefix: string; name: string },
    );
    const bot = listed.find((k) => k.name === 'ci-bot');
    const plain = listed.find((k) => k.name === 'plain');
    if (!bot || !plain) throw new Error('keys missing');
    const revoked = await cli(['key', 'revoke', bot.prefix]);
    expect(revoked.stdout).toBe(`key ${bot.prefix}… revoked`);
    expect((await cli(['key', 'revoke', 'gh_nothing'])).code).toBe(1);

    const rotated = await cli(['key', 'rotate', plain.id, '--grace', '1h', '--json']);
    expect(rotated.code).toBe(0);
    const view = JSON.parse(rotated.stdout) as { key: string; previous: { status: string; expires_at: string } };
    issuedKeys.push(view.key);
    expect(view.previous.status).toBe('rotating');
    expect((await cli(['key', 'rotate', plain.id, '--grace', 'forever'])).code).toBe(1);
    expect((await cli(['key', 'rotate', bot.id])).stderr).toContain('is revoked');

    const after = (await cli(['key', 'list', '--tenant', 'acme', '--json'])).out.map(
      (line) => JSON.parse(line) as { name: string; status: string },
    );
    expect(after.filter((k) => k.name === 'ci-bot').map((k) => k.status)).toEqual(['revoked']);
    expect(
      after
        .filter((k) => k.name === 'plain')
        .map((k) => k.status)
        .sort(),
    ).toEqual(['active', 'rotating']);
  });

  it('tails and exports the audit trail', async () => {
    const gw = await startGateway({ environment });
    for (let i = 0; i < 3; i++) {
      const response = await request(`${gw.baseUrl}/gatehouse/v1/whoami`, {
        headers: { authorization: `Bearer ${issuedKeys.at(-1)}` },
      });
      await response.body.dump();
    }
    await gw.close();
    const tail = await cli(['audit', 'tail', '-n', '2']);
    expect(tail.code).toBe(0);
    expect(tail.out.map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual([2, 3]);
    expect((await cli(['audit', 'tail', '-n', '0'])).code).toBe(2);
    expect((await cli(['audit', 'tail', '--since', 'yesterday-ish'])).code).toBe(2);

    const out = join(environment.dataDir, 'export.jsonl');
    const exported = await cli(['audit', 'export', '--out', out]);
    expect(exported.code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { surface: string }).surface)).toEqual(
      Array(3).fill('identity.whoami'),
    );
    expect((await cli(['audit', 'export', '--surface', 'ops.healthz'])).out).toEqual([]);
  });

  it('keeps secrets write-only: put from stdin, list metadata, delete', async () => {
    const put = await cli(['secrets', 'put', 'openai'], `${SECRET_VALUE}\n`);
    expect(put.code).toBe(0);
    expect(put.stdout).toBe('secret platform/openai stored (version 1, kek v1)');
    expect((await cli(['secrets', 'put', 'openai'], SECRET_VALUE)).stdout).toContain('version 2');
    expect((await cli(['secrets', 'put', 'acme-key', '--tenant', 'acme'], 'v')).code).toBe(0);
    expect((await cli(['secrets', 'put', 'empty'], '')).stderr).toContain('the secret value is empty');
    expect((await cli(['secrets', 'put', 'bad name'], 'v')).code).toBe(1);
    expect((await cli(['secrets', 'put', 'x', '--tenant', 'nope'], 'v')).code).toBe(1);

    const listed = await cli(['secrets', 'list', '--json']);
    const rows = listed.out
      .map((line) => JSON.parse(line) as { owner: string; name: string; version: number })
      .filter((row) => row.owner !== 'system');
    expect(rows.map((row) => [row.owner.split(':')[0], row.name, row.version])).toEqual([
      ['platform', 'openai', 2],
      ['tenant', 'acme-key', 1],
    ]);
    expect((await cli(['secrets', 'delete', 'openai'])).stdout).toBe('secret platform/openai deleted');
    const gone = await cli(['secrets', 'delete', 'openai']);
    expect([gone.code, gone.stderr]).toEqual([1, 'gatehouse: secret platform/openai not found']);
  });

  it('never printed a secret value or a stored key hash', async () => {
    const everything = printed.join('\n');
    expect(everything).not.toContain(SECRET_VALUE);
    const store = openStore({ dataDir: environment.dataDir, writeUrl: null });
    const hashes = await store.read.selectFrom('virtual_keys').select('hash').execute();
    await store.close();
    expect(hashes.length).toBeGreaterThan(0);
    for (const { hash } of hashes) expect(everything).not.toContain(hash);
  });

  // Four processes that each load the CLI from source through tsx: on a loaded 2-core machine that alone took 30 s.
  it('runs as a real process through the gatehouse entry, reading secrets from stdin', {
    timeout: 90_000,
  }, async () => {
    const created = await runBin(env, ['tenant', 'create', '--name', 'from-bin', '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'from-bin' });
    const duplicate = await runBin(env, ['tenant', 'create', '--name', 'from-bin']);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('already exists');
    const put = await runBin(env, ['secrets', 'put', 'bin-secret'], `${SECRET_VALUE}\n`);
    expect(put.code, put.stderr).toBe(0);
    expect(put.stdout + put.stderr).not.toContain(SECRET_VALUE);
    const unknown = await runBin(env, ['key', 'list', '--tenant', 'acme', '--nope']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown option '--nope'");
  });

  // BUG (reported): `createWriteStream(out, { flags: 'wx' })` has no 'error' listener, so an existing file crashes the
  // process with an uncaught EEXIST stack trace instead of a one-line error.
  it('refuses to overwrite an existing export file with a clear error', async () => {
    const out = join(environment.dataDir, 'existing.jsonl');
    writeFileSync(out, 'keep me\n');
    const result = await runBin(env, ['audit', 'export', '--out', out]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^gatehouse: .*existing\.jsonl/);
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');
  });

  // Issue 17: with a global option before the command, the entry read argv[0] (`--config`), took the command for a
  // one-shot one and exited as soon as the server had started listening.
  it('keeps serving when global options precede serve', { timeout: 60_000 }, async () => {
    const configFile = join(environment.dataDir, 'serve-after-option.yaml');
    writeFileSync(configFile, 'models: []\n');
    const server = spawnGatewayProcess({ ...env, LOG_LEVEL: 'info' }, ['--config', configFile, 'serve'], {
      entry: 'src/cli/main.ts',
    });
    try {
      const baseUrl = await server.baseUrl;
      let exited = false;
      void server.exit.then(() => {
        exited = true;
      });
      // Two round trips after listening: a process on its way out would already have closed the socket or exited.
      for (const path of ['/healthz', '/readyz']) {
        const response = await request(`${baseUrl}${path}`);
        await response.body.dump();
        expect(response.statusCode).toBe(200);
      }
      expect(exited).toBe(false);
    } finally {
      server.child.kill('SIGTERM');
      await server.exit;
    }
  });
});
