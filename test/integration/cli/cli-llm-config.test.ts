/**
 * The CLI as issue 16 asks: `gatehouse llm upstream|model` (and issue 13's `gatehouse llm price`) through a running gateway with the typed admin client,
 * the config the server uses found the same way (GATEHOUSE_CONFIG, then ./gatehouse.yaml) and listed by
 * `config check`, exit code 2 for bad usage, and shell completion; the usage API takes tenant and team names.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../../../src/cli/index.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { createTempDir, runCliWithEnv, startGateway, type TestGateway } from '../../helpers/gateway.ts';

describe('gatehouse llm, config discovery, exit codes and completion', () => {
  let gw: TestGateway;
  let upstream: FakeLlmUpstream;
  let env: Record<string, string>;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startGateway();
    const { token } = await gw.gateway.admin.bootstrapPlatformAdmin('ops@example.com');
    await gw.gateway.adminSnapshot.refresh();
    env = { ...gw.environment.env, GATEHOUSE_URL: gw.baseUrl, GATEHOUSE_ADMIN_TOKEN: token };
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });

  it('adds, lists, updates and removes upstreams and model groups through the admin API', async () => {
    const added = await runCliWithEnv(
      env,
      [
        'llm',
        'upstream',
        'add',
        'fake',
        '--provider',
        'openai',
        '--base-url',
        `${upstream.origin}/v1`,
        '--api-keys-stdin',
      ],
      'sk-one\nsk-two\n',
    );
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^fake\topenai\t.*\tkeys=2\tadmin\t/);
    const model = await runCliWithEnv(env, [
      'llm',
      'model',
      'add',
      'chat',
      '--target',
      'fake:llama3.1:8b:3',
      '--timeout',
      '90s',
    ]);
    expect(model.code).toBe(0);
    const listed = await runCliWithEnv(env, ['llm', 'model', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toContainEqual(
      expect.objectContaining({
        name: 'chat',
        targets: [{ upstream: 'fake', model: 'llama3.1:8b', weight: 3 }],
        timeout_ms: 90_000,
      }),
    );
    const updated = await runCliWithEnv(env, [
      'llm',
      'upstream',
      'update',
      'fake',
      '--base-url',
      `${upstream.origin}/v2`,
    ]);
    expect(updated.stdout).toContain(`${upstream.origin}/v2\tkeys=2`);
    const inUse = await runCliWithEnv(env, ['llm', 'upstream', 'remove', 'fake']);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toContain('(conflict)');
    expect((await runCliWithEnv(env, ['llm', 'model', 'remove', 'chat'])).code).toBe(0);
    expect((await runCliWithEnv(env, ['llm', 'upstream', 'remove', 'fake'])).code).toBe(0);
    expect((await runCliWithEnv(env, ['llm', 'upstream', 'list'])).stdout).not.toContain('fake\t');
  });

  it('lists, sets and removes model prices through the admin API, and charges the new price', async () => {
    const defaults = await runCliWithEnv(env, ['llm', 'price', 'list', '--source', 'default']);
    expect(defaults.code).toBe(0);
    expect(defaults.out).toContain('gpt-4o\tin=2.5\tout=10\tcache_read=1.25\tcache_write=2.5\treasoning=10\tdefault');
    const set = await runCliWithEnv(env, [
      'llm',
      'price',
      'set',
      'gpt-4o',
      '--input',
      '3',
      '--output',
      '12',
      '--cache-read',
      '0.3',
      '--reasoning',
      '1.5e1',
    ]);
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('gpt-4o\tin=3\tout=12\tcache_read=0.3\tcache_write=3\treasoning=15\tadmin (over default)');
    expect(gw.gateway.llm.prices.table['gpt-4o']).toEqual({ input: 3, output: 12, cache_read: 0.3, reasoning: 15 });
    const admin = await runCliWithEnv(env, ['llm', 'price', 'list', '--source', 'admin', '--json']);
    expect(JSON.parse(admin.stdout)).toEqual([
      expect.objectContaining({ model: 'gpt-4o', source: 'admin', overrides: 'default', input: 3 }),
    ]);
    const local = await runCliWithEnv(env, ['llm', 'price', 'set', 'llama3.1:8b', '--input', '0', '--output', '0']);
    expect(local.stdout).toMatch(/^llama3\.1:8b\tin=0\t.*\tadmin$/);

    expect((await runCliWithEnv(env, ['llm', 'price', 'remove', 'gpt-4o'])).code).toBe(0);
    expect((await runCliWithEnv(env, ['llm', 'price', 'remove', 'llama3.1:8b'])).code).toBe(0);
    expect(gw.gateway.llm.prices.table['gpt-4o']?.input).toBe(2.5);
    const config = await runCliWithEnv(env, ['llm', 'price', 'remove', 'gpt-4o']);
    expect(config.code).toBe(1);
    expect(config.stderr).toContain('built-in defaults');
    expect(config.stderr).toContain('(conflict)');
    const unknown = await runCliWithEnv(env, ['llm', 'price', 'remove', 'no-such-model']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('(resource_not_found)');
  });

  it('refuses bad prices: usage errors exit 2 before any call, the gateway refusal exits 1, nothing is stored', async () => {
    const before = gw.gateway.llm.prices.table;
    const usage: string[][] = [
      ['llm', 'price', 'set', 'gpt-4o', '--input', 'cheap', '--output', '1'],
      ['llm', 'price', 'set', 'gpt-4o', '--input', '1'],
      ['llm', 'price', 'set', 'gpt-4o', '--input', '1', '--output', '1', '--reasoning', '0x10'],
      ['llm', 'price', 'list', '--source', 'everywhere'],
    ];
    for (const argv of usage) {
      const result = await runCliWithEnv(env, argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr.length).toBeGreaterThan(0);
    }
    for (const argv of [
      ['llm', 'price', 'set', 'gpt-4o', '--input', '-1', '--output', '1'],
      ['llm', 'price', 'set', 'gpt-4o', '--input', '1e400', '--output', '1'],
      ['llm', 'price', 'set', 'has space', '--input', '1', '--output', '1'],
    ]) {
      const refused = await runCliWithEnv(env, argv);
      expect(refused.code, argv.join(' ')).toBe(1);
      expect(refused.stderr).toContain('(invalid_request)');
    }
    const negative = await runCliWithEnv(env, ['llm', 'price', 'set', 'gpt-4o', '--input', '-1', '--output', '1']);
    expect(negative.stderr).toContain(
      'The request is invalid: input: Expected number to be greater or equal to 0. (invalid_request)',
    );
    expect(gw.gateway.llm.prices.table).toBe(before);
  });

  it('exits 2 for bad usage and 1 for a refused call, naming the problem', async () => {
    expect((await runCliWithEnv(env, ['llm', 'model', 'add', 'x'])).code).toBe(2);
    expect((await runCliWithEnv(env, ['llm', 'model', 'add', 'x', '--target', 'nocolon'])).code).toBe(2);
    const noToken = await runCliWithEnv({ ...env, GATEHOUSE_ADMIN_TOKEN: '' }, ['llm', 'upstream', 'list']);
    expect(noToken).toMatchObject({ code: 2 });
    expect(noToken.stderr).toContain('GATEHOUSE_ADMIN_TOKEN');
    const wrong = await runCliWithEnv({ ...env, GATEHOUSE_ADMIN_TOKEN: 'gha_wrong' }, ['llm', 'upstream', 'list']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('invalid_api_key');
    const down = await runCliWithEnv({ ...env, GATEHOUSE_URL: 'http://127.0.0.1:9' }, ['llm', 'upstream', 'list']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach the gateway');
    expect((await runCliWithEnv(env, ['completion', 'powershell'])).code).toBe(2);
  });

  it('finds the config the server uses (GATEHOUSE_CONFIG, then ./gatehouse.yaml) and lists what it found', async () => {
    const dir = createTempDir();
    const file = {
      upstreams: [{ id: 'local', provider: 'ollama', base_url: 'http://127.0.0.1:11434' }],
      models: [{ name: 'llama3', targets: [{ upstream: 'local', model: 'llama3:8b' }] }],
      mcp: { servers: [{ id: 'search', transport: 'streamable_http', url: 'https://mcp.example.com/mcp' }] },
      vault: { services: [{ id: 'payments', base_url: 'https://api.payments.example/v1', auth: { type: 'bearer' } }] },
    };
    writeFileSync(join(dir, 'gatehouse.yaml'), stringify(file));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const checked = await runCliWithEnv(
        { GATEHOUSE_DATA_DIR: dir, GATEHOUSE_MASTER_KEY: env.GATEHOUSE_MASTER_KEY as string },
        ['config', 'check'],
      );
      expect(checked.code).toBe(0);
      expect(JSON.parse(checked.stdout)).toMatchObject({
        config_file: join(dir, 'gatehouse.yaml'),
        upstreams: ['local'],
        models: ['llama3'],
        mcp_servers: ['search'],
        vault_services: ['payments'],
      });
    } finally {
      process.chdir(cwd);
    }
    mkdirSync(join(dir, 'elsewhere'));
    writeFileSync(join(dir, 'elsewhere', 'other.yaml'), stringify({ models: [], upstreams: [] }));
    const named = await runCliWithEnv(
      { GATEHOUSE_DATA_DIR: dir, GATEHOUSE_CONFIG: join(dir, 'elsewhere', 'other.yaml') },
      ['config', 'check'],
    );
    expect(JSON.parse(named.stdout)).toMatchObject({ config_file: join(dir, 'elsewhere', 'other.yaml'), models: [] });
  });

  it('prints bash completion that completes commands and flags in a real bash', async () => {
    const out: string[] = [];
    expect(
      await runCli(['completion', 'bash'], { out: (t) => out.push(t), err: () => {}, readStdin: async () => '' }),
    ).toBe(0);
    const script = out.join('\n');
    const complete = (words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _gatehouse; echo "\${COMPREPLY[*]}"`,
        ],
        {
          encoding: 'utf8',
        },
      ).trim();
    expect(complete(['gatehouse', 'll'])).toBe('llm');
    expect(complete(['gatehouse', 'llm', 'upstream', ''])).toBe('list add update remove --help');
    expect(complete(['gatehouse', 'llm', 'upstream', 'add', 'x', '--base'])).toBe('--base-url');
    for (const shell of ['zsh', 'fish']) {
      const lines: string[] = [];
      await runCli(['completion', shell], { out: (t) => lines.push(t), err: () => {}, readStdin: async () => '' });
      expect(lines.join('\n')).toContain('upstream');
    }
  });

  it('reads usage by tenant and team name in the admin API', async () => {
    const identity = await gw.createIdentity({ tenant: 'named-co', team: 'named-team' });
    const headers = { authorization: `Bearer ${env.GATEHOUSE_ADMIN_TOKEN}` };
    const byName = await request(`${gw.baseUrl}/admin/v1/usage?tenant=named-co&team=named-team`, { headers });
    expect(byName.statusCode).toBe(200);
    await byName.body.dump();
    const byId = await request(`${gw.baseUrl}/admin/v1/usage?tenant=${identity.tenant.id}`, { headers });
    expect(byId.statusCode).toBe(200);
    await byId.body.dump();
    const unknown = await request(`${gw.baseUrl}/admin/v1/usage?tenant=nobody`, { headers });
    expect(unknown.statusCode).toBe(404);
    expect(((await unknown.body.json()) as { error: { message: string } }).error.message).toContain('nobody');
    const teamOnly = await request(`${gw.baseUrl}/admin/v1/usage?team=named-team`, { headers });
    expect(teamOnly.statusCode).toBe(400);
    await teamOnly.body.dump();
  });
});
