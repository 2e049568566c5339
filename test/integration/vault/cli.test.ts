import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createGatewayEnvironment, type GatewayEnvironment, runCliWithEnv } from '../../helpers/gateway.ts';

const SECRET = 'cli_7f6e5d4c3b2a19080706050403020100';

let environment: GatewayEnvironment;
let env: Record<string, string>;
let keyId: string;

beforeAll(async () => {
  environment = await createGatewayEnvironment('sqlite');
  const configPath = join(environment.dataDir, 'gatehouse.yaml');
  writeFileSync(
    configPath,
    stringify({
      vault: {
        services: [
          { id: 'payments', base_url: 'https://payments.example.com/v1', auth: { type: 'bearer' } },
          {
            id: 'bank',
            base_url: 'https://bank.example.com',
            auth: { type: 'oauth2_client_credentials', token_url: 'https://bank.example.com/oauth/token' },
          },
        ],
      },
    }),
  );
  env = { ...environment.env, GATEHOUSE_CONFIG: configPath };
  expect((await runCliWithEnv(env, ['tenant', 'create', '--name', 'acme'])).code).toBe(0);
  expect((await runCliWithEnv(env, ['team', 'create', '--tenant', 'acme', '--name', 'ops'])).code).toBe(0);
  const key = await runCliWithEnv(env, [
    'key',
    'create',
    '--tenant',
    'acme',
    '--team',
    'ops',
    '--name',
    'bot',
    '--json',
  ]);
  keyId = JSON.parse(key.stdout).id;
});

afterAll(async () => {
  await environment?.dispose();
});

describe('gatehouse vault (CLI)', () => {
  it('sets credentials from stdin only, write-only', async () => {
    const set = await runCliWithEnv(env, ['vault', 'credential', 'set', 'payments'], `${SECRET}\n`);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('credential payments/service stored (version 1)');
    expect(set.stdout + set.stderr).not.toContain(SECRET);
    const tenant = await runCliWithEnv(env, ['vault', 'credential', 'set', 'payments', '--tenant', 'acme'], SECRET);
    expect(tenant.stdout).toMatch(/^credential payments\/tenant:[0-9a-f-]+ stored \(version 1\)$/);
    const badOauth = await runCliWithEnv(env, ['vault', 'credential', 'set', 'bank'], 'not-json');
    expect(badOauth.code).toBe(1);
    expect(badOauth.stderr).toContain('JSON object');
    expect(badOauth.stderr).not.toContain('not-json');
    const empty = await runCliWithEnv(env, ['vault', 'credential', 'set', 'payments'], '');
    expect(empty.code).toBe(1);
    const unknown = await runCliWithEnv(env, ['vault', 'credential', 'set', 'nope'], SECRET);
    expect(unknown.code).toBe(1);
    const stored = await runCliWithEnv(env, ['secrets', 'list', '--json']);
    expect(stored.stdout).not.toContain(SECRET);
  });

  it('lists services with credential metadata', async () => {
    const list = await runCliWithEnv(env, ['vault', 'service', 'list']);
    expect(list.code).toBe(0);
    expect(list.out[0]).toBe('bank  https://bank.example.com  oauth2_client_credentials  config  no credential');
    expect(list.out[1]).toMatch(
      /^payments {2}https:\/\/payments\.example\.com\/v1 {2}bearer {2}config {2}.*service@v1/,
    );
    expect(list.stdout).not.toContain(SECRET);
  });

  it('grants, lists and revokes services per key', async () => {
    const grant = await runCliWithEnv(env, ['vault', 'key', 'grant', keyId, 'payments', 'bank']);
    expect(grant.code, grant.stderr).toBe(0);
    expect(grant.stdout).toBe(`key ${keyId} may call: bank, payments`);
    const revoke = await runCliWithEnv(env, ['vault', 'key', 'revoke', keyId, 'bank']);
    expect(revoke.stdout).toBe(`key ${keyId} may call: payments`);
    const list = await runCliWithEnv(env, ['vault', 'key', 'list', keyId, '--json']);
    expect(JSON.parse(list.stdout)).toEqual({ key_id: keyId, services: ['payments'] });
    const twice = await runCliWithEnv(env, ['vault', 'key', 'revoke', keyId, 'bank']);
    expect(twice.code).toBe(1);
    const unknownService = await runCliWithEnv(env, ['vault', 'key', 'grant', keyId, 'nope']);
    expect(unknownService.code).toBe(1);
  });
});
