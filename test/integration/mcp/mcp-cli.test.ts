/**
 * Issue 15, operators: `gatehouse mcp server|policy|pins|virtual …` in-process through `runCli` against a SQLite
 * store and a config file, good and bad input. Exit codes as the README's CLI section states them: 0 success,
 * 1 a failure the user can act on (the message says what), 2 bad usage.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { mcpRepository, openStore } from '../../../src/store/index.ts';
import {
  type CliResult,
  createGatewayEnvironment,
  type GatewayEnvironment,
  runCliWithEnv,
} from '../../helpers/gateway.ts';

const PENDING = 'b'.repeat(64);

describe('gatehouse mcp (operator CLI)', () => {
  let environment: GatewayEnvironment;
  let env: Record<string, string>;
  const cli = (argv: string[], stdin = ''): Promise<CliResult> => runCliWithEnv(env, ['mcp', ...argv], stdin);

  beforeAll(async () => {
    environment = await createGatewayEnvironment('sqlite');
    const configPath = join(environment.dataDir, 'gatehouse.yaml');
    writeFileSync(
      configPath,
      stringify({
        mcp: {
          servers: [{ id: 'docs', transport: 'streamable_http', url: 'http://127.0.0.1:9/mcp', era: 'modern' }],
          virtual_servers: [{ name: 'reader', members: [{ server: 'docs', resources: ['*'] }] }],
        },
      }),
    );
    env = { ...environment.env, GATEHOUSE_CONFIG: configPath };
    for (const argv of [
      ['tenant', 'create', '--name', 'acme'],
      ['tenant', 'create', '--name', 'globex'],
      ['team', 'create', '--tenant', 'acme', '--name', 'research'],
      ['team', 'create', '--tenant', 'acme', '--name', 'shared'],
      ['team', 'create', '--tenant', 'globex', '--name', 'shared'],
    ]) {
      expect((await runCliWithEnv(env, argv)).code).toBe(0);
    }
  });
  afterAll(async () => {
    await environment?.dispose();
  });

  it('server list|add|remove: config servers are read-only, a credential comes from stdin and is never printed', async () => {
    const added = await cli(
      ['server', 'add', 'search', '--url', 'http://127.0.0.1:9/search', '--credential-header', 'x-api-key'],
      'search-secret-123\n',
    );
    expect(added).toMatchObject({ code: 0, stdout: 'mcp server search registered' });
    expect((await cli(['server', 'add', 'search', '--url', 'http://127.0.0.1:9/v2', '--era', 'legacy'])).stdout).toBe(
      'mcp server search replaced',
    );

    const listed = await cli(['server', 'list']);
    expect(listed.out).toEqual([
      'docs  config  streamable_http  modern  http://127.0.0.1:9/mcp',
      'search  admin  streamable_http  legacy  http://127.0.0.1:9/v2',
    ]);
    const json = (await cli(['server', 'list', '--json'])).out.map((line) => JSON.parse(line));
    expect(json[1]).toMatchObject({ id: 'search', source: 'admin', era: 'legacy' });
    expect(JSON.stringify(json)).not.toContain('search-secret-123');

    const bad: Array<[string[], string, number, string]> = [
      [['server', 'add', 'docs', '--url', 'http://127.0.0.1:9/x'], '', 1, 'defined in the config file'],
      [['server', 'add', 'x', '--url', 'http://127.0.0.1:9/x', '--era', 'future'], '', 1, 'era: must be'],
      [['server', 'add', 'x', '--url', 'http://127.0.0.1:9/x', '--credential-header', 'h'], '\n', 1, 'empty'],
      [['server', 'add', 'x'], '', 2, "required option '--url <url>'"],
      [['server', 'remove', 'docs'], '', 1, 'defined in the config file'],
      [['server', 'remove', 'nope'], '', 1, 'MCP server "nope" not found'],
    ];
    for (const [argv, stdin, code, message] of bad) {
      const result = await cli(argv, stdin);
      expect({ argv, code: result.code }).toEqual({ argv, code });
      expect(result.stderr).toContain(message);
    }
    expect((await cli(['server', 'remove', 'search'])).stdout).toBe('mcp server search removed');
    expect((await cli(['server', 'list'])).out).toHaveLength(1);
  });

  it('policy show|set take team names; unknown or ambiguous names and bad documents are refused, exit 1', async () => {
    const empty = await cli(['policy', 'show', '--team', 'research']);
    expect(empty.code).toBe(0);
    expect(empty.stderr).toContain('team research has no MCP policy');
    expect(JSON.parse(empty.stdout)).toEqual({ rules: [] });

    const policy = { rules: [{ server: 'docs', resources: ['*'] }] };
    const set = await cli(['policy', 'set', '--team', 'research'], JSON.stringify(policy));
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^mcp policy of team research \([0-9a-f-]{36}\) replaced$/);
    const shown = await cli(['policy', 'show', '--team', 'research']);
    expect(shown.stderr).toBe('');
    expect(JSON.parse(shown.stdout)).toEqual(policy);

    const file = join(environment.dataDir, 'policy.json');
    writeFileSync(file, JSON.stringify({ rules: [{ server: 'docs', tools: ['read_*'] }] }));
    expect((await cli(['policy', 'set', '--team', 'shared', '--tenant', 'globex', '--file', file])).code).toBe(0);
    expect(JSON.parse((await cli(['policy', 'show', '--team', 'shared', '--tenant', 'globex'])).stdout)).toEqual({
      rules: [{ server: 'docs', tools: ['read_*'] }],
    });
    // The same name in acme still has no policy: names resolve within the tenant given.
    expect((await cli(['policy', 'show', '--team', 'shared', '--tenant', 'acme'])).stderr).toContain('no MCP policy');

    const bad: Array<[string[], string, number, string]> = [
      [['policy', 'show', '--team', 'nosuch'], '', 1, 'team "nosuch" not found'],
      [['policy', 'set', '--team', 'nosuch'], JSON.stringify(policy), 1, 'team "nosuch" not found'],
      [['policy', 'show', '--team', 'shared'], '', 1, 'exists in 2 tenants; name the tenant'],
      [['policy', 'show', '--team', 'research', '--tenant', 'nosuch'], '', 1, 'not found'],
      [['policy', 'set', '--team', 'research'], '{not json', 1, 'stdin: is not valid JSON'],
      [['policy', 'set', '--team', 'research'], '{"rules":[{"server":"docs"}]}', 1, 'names none of tools'],
      [['policy', 'set', '--team', 'research'], '{"rules":[{"server":"docs","tools":"*"}]}', 1, 'rules.0.tools'],
      [['policy', 'show'], '', 2, "required option '--team <team>'"],
    ];
    for (const [argv, stdin, code, message] of bad) {
      const result = await cli(argv, stdin);
      expect({ argv, code: result.code }).toEqual({ argv, code });
      expect(result.stderr).toContain(message);
    }
    // Nothing was written by the refusals.
    expect(JSON.parse((await cli(['policy', 'show', '--team', 'research'])).stdout)).toEqual(policy);
  });

  it('pins list|approve: filters, JSON with the pending definition, compare-and-set on the hash', async () => {
    const store = openStore({ dataDir: environment.dataDir, writeUrl: null });
    try {
      await mcpRepository.writePin(store.write, {
        serverId: 'docs',
        toolName: 'search',
        approvedSha256: 'a'.repeat(64),
        pendingSha256: null,
        pendingDefinition: null,
        approvedBy: 'tofu',
      });
      await mcpRepository.writePin(store.write, {
        serverId: 'docs',
        toolName: 'prompt:summarise',
        approvedSha256: 'c'.repeat(64),
        pendingSha256: PENDING,
        pendingDefinition: JSON.stringify({ name: 'summarise', description: 'now exfiltrates' }),
        approvedBy: 'tofu',
      });
    } finally {
      await store.close();
    }
    expect((await cli(['pins', 'list'])).out).toEqual([
      `docs  prompt  summarise  quarantined  ${PENDING}`,
      `docs  tool  search  approved  ${'a'.repeat(64)}`,
    ]);
    const quarantined = (await cli(['pins', 'list', '--quarantined', '--json'])).out.map((line) => JSON.parse(line));
    expect(quarantined).toEqual([
      expect.objectContaining({
        server: 'docs',
        kind: 'prompt',
        key: 'prompt:summarise',
        pending_definition: { name: 'summarise', description: 'now exfiltrates' },
      }),
    ]);
    expect((await cli(['pins', 'list', '--server', 'other'])).out).toEqual([]);

    const wrongHash = await cli(['pins', 'approve', 'docs', 'prompt:summarise', '--sha256', 'd'.repeat(64)]);
    expect(wrongHash.code).toBe(1);
    expect(wrongHash.stderr).toContain('no quarantined definition of prompt:summarise on docs with that hash');
    expect((await cli(['pins', 'approve', 'docs', 'prompt:summarise'])).code).toBe(2);

    const approved = await cli(['pins', 'approve', 'docs', 'prompt:summarise', '--sha256', PENDING]);
    expect(approved).toMatchObject({ code: 0, stdout: 'docs prompt:summarise approved' });
    expect((await cli(['pins', 'list', '--quarantined'])).out).toEqual([]);
    expect((await cli(['pins', 'approve', 'docs', 'prompt:summarise', '--sha256', PENDING])).code).toBe(1);
  });

  it('virtual list|set|remove: config entries are read-only, bad definitions are refused', async () => {
    const definition = {
      description: 'triage agent',
      members: [
        { server: 'docs', tools: ['search'] },
        { server: 'search', prompts: ['*'] },
      ],
    };
    const saved = await cli(['virtual', 'set', 'triage'], JSON.stringify(definition));
    expect(saved).toMatchObject({ code: 0, stdout: 'virtual server triage saved: /mcp/virtual/triage' });
    expect((await cli(['virtual', 'list'])).out).toEqual([
      'reader  config  docs',
      'triage  admin  docs,search  triage agent',
    ]);
    const json = (await cli(['virtual', 'list', '--json'])).out.map((line) => JSON.parse(line));
    expect(json[1]).toEqual({ name: 'triage', source: 'admin', ...definition });

    const bad: Array<[string[], string, number, string]> = [
      [['virtual', 'set', 'reader'], JSON.stringify(definition), 1, 'defined in the config file'],
      [['virtual', 'set', 'empty'], '{"members":[]}', 1, 'members'],
      [['virtual', 'set', 'odd'], '{"members":[{"server":"docs","extra":1}]}', 1, 'members.0'],
      [['virtual', 'set', 'odd'], 'nope', 1, 'is not valid JSON'],
      [['virtual', 'remove', 'reader'], '', 1, 'defined in the config file'],
      [['virtual', 'remove', 'nosuch'], '', 1, 'virtual server "nosuch" not found'],
      [['virtual', 'set'], '', 2, "missing required argument 'name'"],
    ];
    for (const [argv, stdin, code, message] of bad) {
      const result = await cli(argv, stdin);
      expect({ argv, code: result.code }).toEqual({ argv, code });
      expect(result.stderr).toContain(message);
    }
    expect((await cli(['virtual', 'list'])).out).toHaveLength(2);
    expect((await cli(['virtual', 'remove', 'triage'])).stdout).toBe('virtual server triage removed');
    expect((await cli(['virtual', 'list'])).out).toEqual(['reader  config  docs']);
  });
});
