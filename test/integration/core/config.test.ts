/**
 * Issue 2 "Config": the environment and the YAML file are validated at start, and every failure is a ConfigError
 * naming the field; `npm start` (src/main.ts) exits non-zero with that message.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.ts';
import { createTempDir, randomMasterKey, spawnGatewayProcess } from '../../helpers/gateway.ts';

const dir = createTempDir();
const baseEnv = { GATEHOUSE_DATA_DIR: dir, GATEHOUSE_MASTER_KEY: randomMasterKey(), LOG_LEVEL: 'silent' };

function yamlFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('[INV-5] configuration errors name the field', () => {
  it('loads a valid file, with the environment overriding it', () => {
    const path = yamlFile('ok.yaml', 'port: 9001\nhost: 127.0.0.2\naudit:\n  batch_size: 64\n');
    const config = loadConfig({ env: { ...baseEnv, PORT: '9002' }, configPath: path });
    expect(config).toMatchObject({ port: 9002, host: '127.0.0.2', audit: { batchSize: 64, thread: true } });
  });

  it.each([
    ['bad YAML', 'bad.yaml', 'port: [1, 2\n', /cannot be read as YAML/, ''],
    ['an unknown key', 'unknown.yaml', 'prot: 8080\n', /./, ''],
    ['an unknown nested key', 'nested.yaml', 'audit:\n  batchsize: 3\n', /./, ':audit'],
    ['a wrong type', 'type.yaml', 'port: "eighty"\n', /./, ':port'],
    ['an out-of-range value', 'range.yaml', 'body_limit_bytes: 10\n', /./, ':body_limit_bytes'],
    ['a bad enum', 'enum.yaml', 'log_level: loud\n', /./, ':log_level'],
    ['a non-boolean audit.thread', 'thread.yaml', 'audit:\n  thread: "yes"\n', /boolean/i, ':audit.thread'],
  ])('refuses %s in the YAML file', (_label, name, text, message, fieldSuffix) => {
    const path = yamlFile(name, text);
    const error = configErrorOf(() => loadConfig({ env: baseEnv, configPath: path }));
    expect(error.field.startsWith(`${path}${fieldSuffix}`)).toBe(true);
    expect(error.message).toMatch(message);
  });

  it('refuses a missing config file', () => {
    const error = configErrorOf(() => loadConfig({ env: baseEnv, configPath: join(dir, 'absent.yaml') }));
    expect(error.field).toBe(join(dir, 'absent.yaml'));
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['LOG_LEVEL', 'loud'],
    ['GATEHOUSE_BODY_LIMIT', '12'],
    ['REGION_ID', 'Not A Region'],
    ['DATABASE_WRITE_URL', 'mysql://localhost/x'],
    ['REDIS_URL', 'not a url'],
    ['GATEHOUSE_KEY_HASHING', 'md5'],
    ['GATEHOUSE_KEK_ID', 'bad id!'],
    ['GATEHOUSE_MASTER_KEY', 'abcd'],
    ['GATEHOUSE_MASTER_KEY', 'z'.repeat(64)],
    ['GATEHOUSE_MASTER_KEY', 'a'.repeat(66)],
    ['GATEHOUSE_PREVIOUS_MASTER_KEYS', 'v0-no-colon'],
  ])('refuses %s=%s', (field, value) => {
    const error = configErrorOf(() => loadConfig({ env: { ...baseEnv, [field]: value } }));
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    if (field === 'GATEHOUSE_MASTER_KEY') expect(error.message).not.toContain(value);
  });

  it('refuses a read replica without a primary', () => {
    const error = configErrorOf(() => loadConfig({ env: { ...baseEnv, DATABASE_READ_URL: 'postgres://h/db' } }));
    expect(error.field).toBe('DATABASE_READ_URL');
  });

  it('makes npm start exit 78 with the message on a bad PORT', async () => {
    const server = spawnGatewayProcess({ ...baseEnv, PORT: 'eighty' });
    expect((await server.exit).code).toBe(78);
    expect(server.stderr()).toContain('gatehouse: PORT: must be a whole number');
  });

  it('makes npm start exit 78 naming the YAML field', async () => {
    const path = yamlFile('start.yaml', 'port: "eighty"\n');
    const server = spawnGatewayProcess(baseEnv, ['--config', path]);
    expect((await server.exit).code).toBe(78);
    expect(server.stderr()).toContain(`${path}:port`);
  });

  it('makes npm start exit 2 (bad usage) when --config has no path', async () => {
    const server = spawnGatewayProcess(baseEnv, ['--config']);
    expect((await server.exit).code).toBe(2);
    expect(server.stderr()).toContain('--config needs a file path');
  });
});
