import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCapabilityKeys, verifyCapability } from '../../../src/domain/capabilities/index.ts';
import { runCliWithEnv } from '../../helpers/gateway.ts';

describe('gatehouse capability sign', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-cap-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyFile = join(dir, 'supervisor.pem');
  writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const pin = 'a'.repeat(64);
  const base = [
    'capability',
    'sign',
    '--key',
    keyFile,
    '--sub',
    'key-1',
    '--server',
    'everything',
    '--tool',
    'get-sum',
    '--tool-sha256',
    pin,
  ];

  it('mints a token the gateway verifies for exactly those arguments', async () => {
    const result = await runCliWithEnv({}, [...base, '--args', '{"b":3,"a":2}']);
    expect(result.code).toBe(0);
    const keys = parseCapabilityKeys(publicKey.export({ format: 'pem', type: 'spki' }).toString());
    const context = {
      audience: 'gatehouse',
      subject: 'key-1',
      server: 'everything',
      tool: 'get-sum',
      toolSha256: pin,
      now: Date.now(),
      maxLifetimeSeconds: 300,
      clockSkewSeconds: 0,
    };
    expect(await verifyCapability(result.stdout, keys, { ...context, args: { a: 2, b: 3 } })).toMatchObject({
      ok: true,
    });
    expect(await verifyCapability(result.stdout, keys, { ...context, args: { a: 2, b: 4 } })).toMatchObject({
      reason: 'wrong_arguments',
    });
  });

  it('refuses bad input with exit code 2', async () => {
    for (const extra of [
      [],
      ['--args', '{', '--ttl', '5'],
      ['--args', '{}', '--match', '[]'],
      ['--args', '{}', '--ttl', '0'],
    ]) {
      expect((await runCliWithEnv({}, [...base, ...extra])).code).toBe(2);
    }
    const wrongKey = join(dir, 'rsa.pem');
    writeFileSync(
      wrongKey,
      generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }),
    );
    const args = [...base, '--args', '{}'];
    args[3] = wrongKey;
    expect((await runCliWithEnv({}, args)).code).toBe(2);
  });
});
