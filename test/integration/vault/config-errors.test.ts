/**
 * @module
 * A bad `vault.services[]` entry in the config file is an operator error, not a crash: `gatehouse config check`
 * and startup both report it as a configuration error naming the YAML field (exit 78, EX_CONFIG), never a stack.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../../src/config/index.ts';
import { createGateway } from '../../../src/gateway.ts';
import {
  CLI_FROM_SOURCE,
  createGatewayEnvironment,
  type GatewayEnvironment,
  REPO_ROOT,
  runCliWithEnv,
  spawnGatewayProcess,
} from '../../helpers/gateway.ts';
import { REDIS_URL, redisAvailable } from '../../helpers/services.ts';

const GOOD = { id: 'good', base_url: 'https://api.example.com/v1', auth: { type: 'bearer' } };
const STACK_LINE = /\n\s+at .+:\d+:\d+/;

/** [label, services, field the error must name, what the message must say] */
const BAD: Array<[string, unknown[], string, RegExp]> = [
  [
    'plain http to a non-loopback host',
    [{ ...GOOD, base_url: 'http://api.example.com' }],
    'vault.services.0.base_url',
    /must be https/,
  ],
  [
    'userinfo in base_url',
    [GOOD, { ...GOOD, id: 'leaky', base_url: 'https://user:pw@api.example.com' }],
    'vault.services.1.base_url',
    /must not contain credentials.*service "leaky"/,
  ],
  [
    'a query in base_url',
    [{ ...GOOD, base_url: 'https://api.example.com/?k=v' }],
    'vault.services.0.base_url',
    /query/,
  ],
  ['a base_url that is not a URL', [{ ...GOOD, base_url: 'not a url at all' }], 'vault.services.0.base_url', /URL/],
  [
    'a non-https token_url',
    [{ ...GOOD, auth: { type: 'oauth2_client_credentials', token_url: 'http://idp.example.com/token' } }],
    'vault.services.0.auth.token_url',
    /must be https/,
  ],
  [
    'a dot segment in allowed_paths',
    [{ ...GOOD, allowed_paths: ['/v1/../admin'] }],
    'vault.services.0.allowed_paths.0',
    /"\.\."/,
  ],
  ['a duplicate service id', [GOOD, GOOD], 'vault.services.1.id', /duplicate service id "good"/],
  ['an unknown auth kind', [{ ...GOOD, auth: { type: 'magic' } }], 'vault.services.0.auth', /./],
  ['a header auth without a name', [{ ...GOOD, auth: { type: 'header' } }], 'vault.services.0.auth', /./],
  ['an unknown service field', [{ ...GOOD, secret: 'x' }], 'vault.services.0', /./],
  ['a bad service id', [{ ...GOOD, id: 'Not An Id' }], 'vault.services.0.id', /./],
];

const redis = await redisAvailable();
let environment: GatewayEnvironment;

/** Runs the real `gatehouse` binary to completion (it must exit by itself) and collects stderr. */
function runBinary(env: Record<string, string>, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [...CLI_FROM_SOURCE, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

beforeAll(async () => {
  environment = await createGatewayEnvironment('sqlite');
});

afterAll(async () => {
  await environment?.dispose();
});

function writeConfig(name: string, services: unknown[]): string {
  const path = join(environment.dataDir, `${name}.yaml`);
  writeFileSync(path, stringify({ vault: { services } }));
  return path;
}

describe('vault service definitions in the config file', () => {
  it('config check accepts good services and lists them', async () => {
    const path = writeConfig('good', [GOOD, { ...GOOD, id: 'local', base_url: 'http://127.0.0.1:8080' }]);
    const result = await runCliWithEnv(environment.env, ['--config', path, 'config', 'check']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).vault_services).toEqual(['good', 'local']);
  });

  it.each(BAD)('config check refuses %s, naming the field (exit 78)', async (_label, services, field, message) => {
    const path = writeConfig(`bad-${field.replaceAll('.', '-')}`, services);
    const result = await runCliWithEnv(environment.env, ['--config', path, 'config', 'check']);
    expect(result.code).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(field);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it.each(BAD)('createGateway refuses %s with a ConfigError', async (_label, services, field, message) => {
    const path = writeConfig(`gw-${field.replaceAll('.', '-')}`, services);
    let caught: unknown = null;
    try {
      const gateway = await createGateway(loadConfig({ env: { ...environment.env, GATEHOUSE_CONFIG: path } }));
      await gateway.close();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).field).toContain(field);
    expect((caught as ConfigError).message).toMatch(message);
  });

  it.each([
    ['an https violation', [{ ...GOOD, base_url: 'http://api.example.com' }], 'vault.services.0.base_url'],
    ['an unknown auth kind', [{ ...GOOD, auth: { type: 'magic' } }], 'vault.services.0.auth'],
  ])(
    'the server process refuses %s at startup: exit 78, field named, no stack trace',
    async (_label, services, field) => {
      const path = writeConfig(`proc-${field.replaceAll('.', '-')}`, services);
      const server = spawnGatewayProcess({ ...environment.env, LOG_LEVEL: 'info' }, ['--config', path]);
      const { code } = await server.exit;
      expect(server.stderr()).toContain(field);
      expect(server.stderr()).toMatch(/^gatehouse: /);
      expect(server.stderr()).not.toMatch(STACK_LINE);
      expect(code).toBe(78);
    },
  );

  // With Redis shared state the refusal must come before any connection is opened, or the process would linger.
  it.skipIf(!redis)('`gatehouse serve` refuses a bad service before connecting to Redis and exits 78', async () => {
    const path = writeConfig('serve-userinfo', [{ ...GOOD, base_url: 'https://u:p@api.example.com' }]);
    const result = await runBinary({ ...environment.env, REDIS_URL }, ['serve', '--config', path]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('gatehouse: vault.services.0.base_url: must not contain credentials');
    expect(result.stderr).not.toMatch(STACK_LINE);
  });
});
