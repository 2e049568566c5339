/**
 * Issue 17 "Compose" and "Kubernetes": secrets reach the gateway as files (`<NAME>_FILE`, what Docker secrets and
 * Secret volumes give), never baked into an image or a manifest. Bad input names the variable.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { createTempDir, randomMasterKey, runCliWithEnv } from '../../helpers/gateway.ts';

function secretFile(content: string): string {
  const path = join(createTempDir(), 'secret');
  writeFileSync(path, content);
  return path;
}

describe('secrets from files', () => {
  it('reads the master key, database and Redis URLs from <NAME>_FILE, without the trailing newline', () => {
    const key = randomMasterKey();
    const config = loadConfig({
      env: {
        NODE_ENV: 'production',
        GATEHOUSE_DATA_DIR: createTempDir(),
        GATEHOUSE_MASTER_KEY_FILE: secretFile(`${key}\n`),
        DATABASE_WRITE_URL_FILE: secretFile('postgres://gh:secret@db.internal:5432/gatehouse\n'),
        REDIS_URL_FILE: secretFile('redis://:secret@cache.internal:6379/0'),
      },
    });
    expect(config.masterKeys.current.key.toString('hex')).toBe(key);
    expect(config.databaseWriteUrl).toBe('postgres://gh:secret@db.internal:5432/gatehouse');
    expect(config.redisUrl).toBe('redis://:secret@cache.internal:6379/0');
  });

  it.each([
    [
      'both forms',
      { GATEHOUSE_MASTER_KEY: randomMasterKey(), GATEHOUSE_MASTER_KEY_FILE: '/dev/null' },
      'GATEHOUSE_MASTER_KEY_FILE: cannot be set together with GATEHOUSE_MASTER_KEY',
    ],
    [
      'a missing file',
      { GATEHOUSE_MASTER_KEY_FILE: '/nonexistent/master-key' },
      'GATEHOUSE_MASTER_KEY_FILE: cannot read /nonexistent/master-key: ENOENT',
    ],
    ['an empty file', { REDIS_URL_FILE: '/dev/null' }, 'REDIS_URL_FILE: /dev/null is empty'],
  ])('refuses %s with exit 78, naming the variable', async (_name, env, message) => {
    const result = await runCliWithEnv({ GATEHOUSE_DATA_DIR: createTempDir(), ...env }, ['config', 'check']);
    expect(result).toMatchObject({ code: 78, stderr: `gatehouse: ${message}` });
  });

  it('still validates what a file holds like the variable itself', () => {
    expect(() =>
      loadConfig({ env: { GATEHOUSE_DATA_DIR: createTempDir(), REDIS_URL_FILE: secretFile('http://not-redis\n') } }),
    ).toThrow('REDIS_URL: must use redis: or rediss:');
  });
});
