/** `gatehouse key create --models`: the key's `settings.allowed_models`, enforced by the LLM routes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayEnvironment, type GatewayEnvironment, runCliWithEnv } from '../../helpers/gateway.ts';

describe('gatehouse key create --models', () => {
  let environment: GatewayEnvironment;

  beforeAll(async () => {
    environment = await createGatewayEnvironment('sqlite');
    expect((await runCliWithEnv(environment.env, ['tenant', 'create', '--name', 'acme'])).code).toBe(0);
    expect((await runCliWithEnv(environment.env, ['team', 'create', '--tenant', 'acme', '--name', 'ml'])).code).toBe(0);
  });
  afterAll(async () => {
    await environment?.dispose();
  });

  it('stores the comma list as allowed_models', async () => {
    const created = await runCliWithEnv(environment.env, [
      'key',
      'create',
      '--tenant',
      'acme',
      '--team',
      'ml',
      '--name',
      'limited',
      '--models',
      'gpt-4o*, llama3',
      '--json',
    ]);
    expect(created.code).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: string };
    const { openServices } = await import('../../../src/gateway.ts');
    const { loadConfig } = await import('../../../src/config/index.ts');
    const services = await openServices(loadConfig({ env: environment.env }));
    try {
      const row = await services.store.read
        .selectFrom('virtual_keys')
        .select('settings')
        .where('id', '=', id)
        .executeTakeFirst();
      expect(JSON.parse(row?.settings ?? '{}').allowed_models).toEqual(['gpt-4o*', 'llama3']);
    } finally {
      await services.store.close();
    }
  });

  it('refuses an empty list', async () => {
    const result = await runCliWithEnv(environment.env, [
      'key',
      'create',
      '--tenant',
      'acme',
      '--team',
      'ml',
      '--name',
      'empty',
      '--models',
      ' , ',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--models');
  });
});
