/**
 * Issue 2 "Bad input" and DESIGN §5: a wrong master key is refused at start (key-check value) with nothing written;
 * production needs an explicit key; the development key is generated once; `secrets rotate` re-wraps every envelope
 * so the old key can be dropped; a corrupt envelope is a clear error on read, never a crash.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.ts';
import { createGateway } from '../../../src/gateway.ts';
import { openStore } from '../../../src/store/index.ts';
import {
  createGatewayEnvironment,
  type GatewayEnvironment,
  randomMasterKey,
  runCliWithEnv,
  spawnGatewayProcess,
  startGateway,
} from '../../helpers/gateway.ts';

const environments: GatewayEnvironment[] = [];

async function freshEnvironment(extra: Record<string, string> = {}): Promise<GatewayEnvironment> {
  const environment = await createGatewayEnvironment('sqlite', extra);
  environments.push(environment);
  return environment;
}

/** Every row that holds key material or secrets, to prove a refused start wrote nothing. */
async function keyMaterialRows(dataDir: string) {
  const store = openStore({ dataDir, writeUrl: null });
  try {
    return {
      checks: await store.read.selectFrom('key_checks').selectAll().orderBy('kek_id').execute(),
      secrets: await store.read.selectFrom('secrets').selectAll().orderBy('id').execute(),
    };
  } finally {
    await store.close();
  }
}

afterEach(async () => {
  for (const environment of environments.splice(0)) await environment.dispose();
});

describe('[INV-4] master keys', () => {
  it('refuses to start with another key under the same kek id, writing nothing', async () => {
    const environment = await freshEnvironment();
    const first = await startGateway({ environment });
    await first.gateway.secrets.put('platform', 'openai', 'sk-live-1');
    await first.close();
    const before = await keyMaterialRows(environment.dataDir);

    const config = loadConfig({ env: { ...environment.env, GATEHOUSE_MASTER_KEY: randomMasterKey() } });
    await expect(createGateway(config)).rejects.toMatchObject({
      name: 'MasterKeyMismatchError',
      message: expect.stringMatching(/kek id "v1" does not match/),
    });
    expect(await keyMaterialRows(environment.dataDir)).toEqual(before);

    const server = spawnGatewayProcess({ ...environment.env, GATEHOUSE_MASTER_KEY: randomMasterKey() });
    expect((await server.exit).code).toBe(78);
    expect(server.stderr()).toMatch(/does not match the key this store was written with/);
    expect(await keyMaterialRows(environment.dataDir)).toEqual(before);

    const again = await startGateway({ environment });
    expect((await again.gateway.secrets.get('platform', 'openai'))?.toString()).toBe('sk-live-1');
    await again.close();
  });

  it('refuses NODE_ENV=production without GATEHOUSE_MASTER_KEY', async () => {
    const environment = await freshEnvironment();
    const { GATEHOUSE_MASTER_KEY: _omitted, ...env } = environment.env;
    expect(() => loadConfig({ env: { ...env, NODE_ENV: 'production' } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { ...env, NODE_ENV: 'production' } })).toThrow(/^GATEHOUSE_MASTER_KEY: /);
    const server = spawnGatewayProcess({ ...env, NODE_ENV: 'production' });
    expect((await server.exit).code).toBe(78);
    expect(server.stderr()).toContain('GATEHOUSE_MASTER_KEY');
  });

  it('generates a development key once, private to its owner, and reuses it', async () => {
    const environment = await freshEnvironment();
    const { GATEHOUSE_MASTER_KEY: _omitted, ...env } = environment.env;
    const first = loadConfig({ env });
    expect(first.masterKeys.generated).toBe(true);
    const file = join(environment.dataDir, 'dev-master-key.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = readFileSync(file, 'utf8');
    const second = loadConfig({ env });
    expect(second.masterKeys.current.key.equals(first.masterKeys.current.key)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(written);

    const gw = await startGateway({ environment, env: { GATEHOUSE_MASTER_KEY: '' } });
    await gw.gateway.secrets.put('platform', 'dev', 'value');
    await gw.close();
    const restarted = await startGateway({ environment, env: { GATEHOUSE_MASTER_KEY: '' } });
    expect((await restarted.gateway.secrets.get('platform', 'dev'))?.toString()).toBe('value');
    await restarted.close();
  });

  it('rotates every envelope to a new kek id, after which the old key is no longer needed', async () => {
    const environment = await freshEnvironment();
    const oldKey = environment.env.GATEHOUSE_MASTER_KEY as string;
    const newKey = randomMasterKey();
    const gw = await startGateway({ environment });
    const identity = await gw.createIdentity();
    await gw.gateway.secrets.put('platform', 'a', 'alpha');
    await gw.gateway.secrets.put('platform', 'b', 'beta');
    await gw.close();

    const v2Only = { ...environment.env, GATEHOUSE_MASTER_KEY: newKey, GATEHOUSE_KEK_ID: 'v2' };
    await expect(createGateway(loadConfig({ env: v2Only }))).rejects.toThrow(/wrapped under kek id "v1"/);

    const rotating = { ...v2Only, GATEHOUSE_PREVIOUS_MASTER_KEYS: `v1:${oldKey}` };
    const wrongTarget = await runCliWithEnv(rotating, ['secrets', 'rotate', '--kek-id', 'v3']);
    expect(wrongTarget.code).toBe(2);
    const rotated = await runCliWithEnv(rotating, ['secrets', 'rotate', '--kek-id', 'v2']);
    expect(rotated.code, rotated.stderr).toBe(0);
    // The two secrets plus the key-hashing pepper and the audit checkpoint signing key.
    expect(rotated.stdout).toContain('re-wrapped 4 envelope(s) to kek v2; 0 changed concurrently, 0 remaining');
    const rerun = await runCliWithEnv(rotating, ['secrets', 'rotate', '--kek-id', 'v2']);
    expect(rerun.stdout).toContain('re-wrapped 0 envelope(s)');
    const listed = await runCliWithEnv(v2Only, ['secrets', 'list', '--json']);
    const rows = listed.out.map((line) => JSON.parse(line) as { owner: string; name: string; kek_id: string });
    expect(rows.map((row) => [row.owner, row.name, row.kek_id])).toEqual([
      ['platform', 'a', 'v2'],
      ['platform', 'b', 'v2'],
      ['system', 'audit-checkpoint-key', 'v2'],
      ['system', 'key-pepper', 'v2'],
    ]);
    expect(listed.stdout).not.toMatch(/alpha|beta/);

    const after = await startGateway({ environment, env: v2Only });
    expect((await after.gateway.secrets.get('platform', 'a'))?.toString()).toBe('alpha');
    expect((await after.gateway.secrets.get('platform', 'b'))?.toString()).toBe('beta');
    const response = await request(`${after.baseUrl}/gatehouse/v1/whoami`, { headers: identity.headers });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
    await after.close();
  });

  it('reports a corrupt or forged envelope on read and keeps serving', async () => {
    const environment = await freshEnvironment();
    const gw = await startGateway({ environment });
    await gw.gateway.secrets.put('platform', 'broken', 'x');
    await gw.gateway.secrets.put('platform', 'forged', 'y');
    const db = gw.gateway.store.write;
    await db.updateTable('secrets').set({ envelope: '{"v":1,"alg":"rot13"}' }).where('name', '=', 'broken').execute();
    const forged = await db
      .selectFrom('secrets')
      .select('envelope')
      .where('name', '=', 'forged')
      .executeTakeFirstOrThrow();
    const envelope = JSON.parse(forged.envelope) as { ciphertext: string };
    envelope.ciphertext = envelope.ciphertext.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    await db
      .updateTable('secrets')
      .set({ envelope: JSON.stringify(envelope) })
      .where('name', '=', 'forged')
      .execute();

    await expect(gw.gateway.secrets.get('platform', 'broken')).rejects.toMatchObject({
      name: 'CorruptEnvelopeError',
      message: expect.stringMatching(/^corrupt secret envelope: /),
    });
    await expect(gw.gateway.secrets.get('platform', 'forged')).rejects.toMatchObject({ name: 'EnvelopeDecryptError' });
    const health = await request(`${gw.baseUrl}/healthz`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();
    const listed = await runCliWithEnv(environment.env, ['secrets', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.out.filter((line) => line.startsWith('platform/'))).toHaveLength(2);
    await gw.close();
  });
});
