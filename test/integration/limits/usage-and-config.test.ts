/**
 * Issue 4, the operator's side: `GET /admin/v1/usage` and `gatehouse usage` over the spend ledger, limits set with
 * `gatehouse key create --rpm …` and `gatehouse team|tenant limits set`, and bad input everywhere (negative or
 * non-numeric limits, unknown budget windows, impossible dates, unknown query fields, price table typos).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { keysRepository, scopeSettingsRepository } from '../../../src/store/index.ts';
import {
  createGatewayEnvironment,
  eventually,
  type GatewayEnvironment,
  runCliWithEnv,
  uniqueName,
} from '../../helpers/gateway.ts';
import { callProbe, createLimitedKey, errorOf, type LimitsGateway, startLimitsGateway } from './support.ts';

describe('usage reports, limit commands and bad input', () => {
  let environment: GatewayEnvironment;
  let gw: LimitsGateway;
  let adminToken: string;

  async function getUsage(query: string, token = adminToken) {
    const response = await request(`${gw.baseUrl}/admin/v1/usage${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    environment = await createGatewayEnvironment('sqlite');
    gw = await startLimitsGateway(environment, { calls: 0 });
    adminToken = (await gw.gateway.admin.bootstrapPlatformAdmin('usage-admin@example.com')).token;
    await gw.gateway.adminSnapshot.refresh();
  });
  afterAll(async () => {
    await gw?.close();
    await environment?.dispose();
  });

  it('reports usage per key, model and day through the API and the CLI, with matching totals', async () => {
    const key = await createLimitedKey(gw.gateway);
    await callProbe(gw.baseUrl, key, { model: 'm-a', fake_usage: { prompt: 10, completion: 5 } });
    await callProbe(gw.baseUrl, key, { model: 'm-a', fake_usage: { prompt: 20, completion: 5 } });
    await callProbe(gw.baseUrl, key, { model: 'm-b', fake_usage: { prompt: 1, completion: 1 } });
    const report = await eventually(async () => {
      const reply = await getUsage(`?key=${key.keyId}&group_by=model,day`);
      return (reply.body.totals as { requests: number } | undefined)?.requests === 3 ? reply : undefined;
    });
    expect(report.status).toBe(200);
    const data = report.body.data as Array<Record<string, unknown>>;
    expect(data.map((row) => [row.model, row.requests, row.total_tokens])).toEqual([
      ['m-a', 2, 40],
      ['m-b', 1, 2],
    ]);
    expect(data[0]?.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(report.body.totals).toMatchObject({
      requests: 3,
      prompt_tokens: 31,
      completion_tokens: 11,
      total_tokens: 42,
    });

    const cli = await runCliWithEnv(environment.env, ['usage', '--key', key.keyId, '--group-by', 'model', '--json']);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ totals: { requests: 3, total_tokens: 42 } });
    const text = await runCliWithEnv(environment.env, ['usage', '--tenant', key.tenantId, '--group-by', 'model']);
    expect(text.stdout).toContain('m-a');
    expect(text.stdout).toContain('total');
  });

  it('refuses bad usage queries with 400 naming the field, and other credentials', async () => {
    for (const [query, param] of [
      ['?group_by=colour', 'group_by'],
      ['?since=2026-02-30', 'since'],
      ['?since=yesterday', 'since'],
      ['?since=2026-05-02&until=2026-05-01', 'since'],
      ['?tenant=not%20a%20name', 'tenant'],
      ['?session=a%20b', 'session'],
      ['?group_by=model,sessions', 'group_by'],
      ['?tenat=x', 'tenat'],
    ] as const) {
      const reply = await getUsage(query);
      expect([query, reply.status]).toEqual([query, 400]);
      expect((reply.body.error as { code: string; param: string }).code).toBe('invalid_request');
      expect((reply.body.error as { param: string }).param).toBe(param);
    }
    const key = await createLimitedKey(gw.gateway);
    const asKey = await getUsage('', key.key);
    expect(asKey.status).toBe(401);
    expect((asKey.body.error as { code: string }).code).toBe('credential_not_accepted');
  });

  it('stores limits given to `key create`, and refuses negative, zero or non-numeric ones', async () => {
    const tenant = await gw.gateway.identity.createTenant(uniqueName('tenant'));
    const team = await gw.gateway.identity.createTeam(tenant.id, uniqueName('team'));
    const base = ['key', 'create', '--tenant', tenant.id, '--team', team.id, '--json'];
    const created = await runCliWithEnv(environment.env, [
      ...base,
      '--name',
      'limited',
      '--rpm',
      '60',
      '--tpm',
      '100000',
      '--max-parallel',
      '4',
      '--budget-tokens-daily',
      '1000000',
      '--budget-usd-monthly',
      '50.5',
    ]);
    expect(created.code).toBe(0);
    const record = await keysRepository.findKey(gw.gateway.store.read, JSON.parse(created.stdout).id);
    expect(record.settings).toEqual({
      limits: { rpm: 60, tpm: 100000, max_parallel: 4 },
      budgets: { tokens_daily: 1000000, usd_monthly: 50.5 },
    });
    for (const [flag, value] of [
      ['--rpm', '-5'],
      ['--rpm', '0'],
      ['--tpm', 'abc'],
      ['--max-parallel', '1.5'],
      ['--budget-usd-daily', '1e3'],
    ] as const) {
      const refused = await runCliWithEnv(environment.env, [...base, '--name', uniqueName('bad'), flag, value]);
      expect([flag, value, refused.code]).toEqual([flag, value, 1]);
      expect(refused.stderr).toContain(flag);
    }
    const unknownWindow = await runCliWithEnv(environment.env, [...base, '--name', 'x', '--budget-tokens-weekly', '5']);
    expect(unknownWindow.code).not.toBe(0);
  });

  it('sets team and tenant limits from the CLI; running instances apply them within a second', async () => {
    const a = await createLimitedKey(gw.gateway);
    const set = await runCliWithEnv(environment.env, [
      'team',
      'limits',
      'set',
      a.teamId,
      '--tenant',
      a.tenantId,
      '--rpm',
      '1',
      '--json',
    ]);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ id: a.teamId, limits: { rpm: 1 } });
    // The instance polls the store: no refresh call here, the change must arrive on its own.
    await eventually(async () => (await callProbe(gw.baseUrl, a, {})).status === 429, { timeoutMs: 2000 });

    const tenantSet = await runCliWithEnv(environment.env, [
      'tenant',
      'limits',
      'set',
      a.tenantId,
      '--budget-usd-daily',
      '2',
    ]);
    expect(tenantSet.code).toBe(0);
    const show = await runCliWithEnv(environment.env, ['tenant', 'limits', 'show', a.tenantId, '--json']);
    expect(JSON.parse(show.stdout)).toMatchObject({ budgets: { usd_daily: 2 } });
    const cleared = await runCliWithEnv(environment.env, [
      'team',
      'limits',
      'set',
      a.teamId,
      '--tenant',
      a.tenantId,
      '--clear',
    ]);
    expect(cleared.code).toBe(0);
    expect(await scopeSettingsRepository.readSettings(gw.gateway.store.read, 'teams', a.teamId)).toEqual({});
  });

  it('refuses stored limit settings that do not validate rather than ignoring them', async () => {
    const key = await createLimitedKey(gw.gateway, { limits: { rpm: -1 } });
    const reply = await callProbe(gw.baseUrl, key, {});
    expect(reply.status).toBe(500);
    expect(errorOf(reply).code).toBe('internal_error');
  });

  it('rejects a config file with a bad limits or prices section, naming the field', () => {
    const path = join(environment.dataDir, 'bad.yaml');
    for (const [yaml, field] of [
      ['limits:\n  default_max_tokens: -1', 'limits.default_max_tokens'],
      ['limits:\n  defaults:\n    key:\n      budgets: { tokens_weekly: 5 }', 'limits.defaults.key.budgets'],
      ['prices:\n  gpt-4o: { input: "cheap", output: 1 }', 'prices.gpt-4o.input'],
      ['prices:\n  gpt-4o: { input: 1 }', 'prices.gpt-4o'],
    ] as const) {
      writeFileSync(path, yaml);
      expect(() => loadConfig({ env: environment.env, configPath: path })).toThrow(field);
    }
  });
});
