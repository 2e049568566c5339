/**
 * Issue 14: "`limits show`, the usage API and the console show used and remaining". A key spends tokens through the
 * real chat route against a fake upstream; `gatehouse key|team limits show` and `GET /admin/v1/usage` then report
 * each budget's limit, its spend in the current window and what is left, from the same ledger and in agreement.
 * Budgets from the config file's defaults count like stored ones, and a tenant-bound caller never sees the budgets
 * of another tenant's key.
 */
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeSettingsRepository } from '../../../src/store/index.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { eventually, runCliWithEnv, uniqueName } from '../../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from '../llm/support.ts';

interface Status {
  level: string;
  id: string;
  budget: string;
  window: string;
  since: string | null;
  resets_at: string | null;
  limit: number;
  used: number;
  remaining: number;
}

interface Report {
  totals: { requests: number; total_tokens: number; cost_usd: number };
  data: unknown[];
  budget_status?: Status[];
}

describe('budgets used and remaining, in the CLI and the usage API', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let rootToken: string;
  let cliEnv: Record<string, string>;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({
      file: {
        upstreams: [{ id: 'primary', provider: 'openai', base_url: `${upstream.origin}/v1` }],
        models: [{ name: 'gpt-4o-mini', targets: [{ upstream: 'primary', model: 'gpt-4o-mini' }] }],
        limits: { defaults: { team: { budgets: { tokens_monthly: 1_000_000 } } } },
        prices: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } },
      },
    });
    // startLlmGateway writes the config file there; the CLI must read the same defaults the gateway enforces.
    cliEnv = { ...gw.environment.env, GATEHOUSE_CONFIG: join(gw.environment.dataDir, 'gatehouse.yaml') };
    rootToken = (await gw.gateway.admin.bootstrapPlatformAdmin('budget-root@example.com')).token;
    await gw.gateway.adminSnapshot.refresh();
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });

  async function spendingKey(budgets: Record<string, number>) {
    const tenant = await gw.gateway.identity.createTenant(uniqueName('tenant'));
    const team = await gw.gateway.identity.createTeam(tenant.id, uniqueName('team'));
    const issued = await gw.gateway.identity.createKey({
      tenant: tenant.id,
      team: team.id,
      name: uniqueName('key'),
      settings: { budgets },
    });
    await gw.gateway.snapshot.refresh();
    return { tenantId: tenant.id, teamId: team.id, keyId: issued.record.id, key: issued.key };
  }

  async function chat(key: string): Promise<void> {
    const reply = await request(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] }),
    });
    await reply.body.dump();
    expect(reply.statusCode).toBe(200);
  }

  async function usage(query: string, token = rootToken): Promise<{ status: number; body: Report }> {
    const reply = await request(`${gw.baseUrl}/admin/v1/usage${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: reply.statusCode, body: (await reply.body.json()) as Report };
  }

  async function tenantAdminToken(tenantId: string): Promise<string> {
    const email = `${uniqueName('tenant-admin')}@example.com`;
    const user = await gw.gateway.admin.createUser({ email, tenant: tenantId });
    await gw.gateway.admin.createBinding(
      { principal: `user:${user.id}`, role: 'org-admin', scope: `org:${tenantId}` },
      null,
    );
    const { token } = await gw.gateway.admin.issueToken(email);
    await gw.gateway.adminSnapshot.refresh();
    return token;
  }

  it('shows each budget of a key with what it spent and what is left, as the usage API does', async () => {
    const key = await spendingKey({ tokens_daily: 100_000, tokens_total: 500_000, usd_monthly: 5 });
    await scopeSettingsRepository.updateSettings(gw.gateway.store.write, 'tenants', key.tenantId, () => ({
      budgets: { usd_total: 100 },
    }));
    await chat(key.key);
    await chat(key.key);
    const report = await eventually(async () => {
      const reply = await usage(`?key=${key.keyId}`);
      return reply.body.totals?.requests === 2 ? reply : undefined;
    });
    expect(report.status).toBe(200);
    const spent = report.body.totals;
    expect(spent.total_tokens).toBeGreaterThan(0);
    expect(spent.cost_usd).toBeGreaterThan(0);

    const shown = await runCliWithEnv(cliEnv, ['key', 'limits', 'show', key.keyId, '--json']);
    expect(shown.code).toBe(0);
    const cli = JSON.parse(shown.stdout) as { budgets: Record<string, number>; budget_status: Status[] };
    expect(cli.budgets).toEqual({ tokens_daily: 100_000, tokens_total: 500_000, usd_monthly: 5 });
    const day = new Date().toISOString().slice(0, 10);
    expect(cli.budget_status.map((s) => [s.level, s.budget, s.window, s.limit, s.used, s.remaining])).toEqual([
      ['key', 'tokens', 'daily', 100_000, spent.total_tokens, 100_000 - spent.total_tokens],
      ['key', 'tokens', 'total', 500_000, spent.total_tokens, 500_000 - spent.total_tokens],
      ['key', 'usd', 'monthly', 5, spent.cost_usd, 5 - spent.cost_usd],
    ]);
    expect(cli.budget_status[0]).toMatchObject({ id: key.keyId, since: day });
    expect(cli.budget_status[0]?.resets_at).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/);
    expect(cli.budget_status[1]).toMatchObject({ since: null, resets_at: null });
    expect(cli.budget_status[2]?.since).toBe(`${day.slice(0, 7)}-01`);

    // The usage API answers with the same figures, plus the budgets of the key's team (the config file's default)
    // and tenant, which govern the same requests.
    expect(report.body.budget_status?.filter((s) => s.level === 'key')).toEqual(cli.budget_status);
    expect(report.body.budget_status?.filter((s) => s.level !== 'key').map((s) => [s.level, s.id, s.budget])).toEqual([
      ['team', key.teamId, 'tokens'],
      ['tenant', key.tenantId, 'usd'],
    ]);
    const team = report.body.budget_status?.find((s) => s.level === 'team');
    expect(team).toMatchObject({ window: 'monthly', limit: 1_000_000, used: spent.total_tokens });

    const text = await runCliWithEnv(cliEnv, ['key', 'limits', 'show', key.keyId]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      `tokens daily: used ${spent.total_tokens} of 100000 today, ${100_000 - spent.total_tokens} remaining`,
    );
    expect(text.stdout).toContain('USD monthly: used $');
    expect(text.stdout).toContain('tokens total: used');

    const teamShown = await runCliWithEnv(cliEnv, [
      'team',
      'limits',
      'show',
      key.teamId,
      '--tenant',
      key.tenantId,
      '--json',
    ]);
    expect(teamShown.code).toBe(0);
    expect((JSON.parse(teamShown.stdout) as { budget_status: Status[] }).budget_status).toEqual([team]);
  });

  it('finds a budget refusal by its outcome, budget_exceeded, in the audit search', async () => {
    const key = await spendingKey({ tokens_daily: 1 });
    const refused = await request(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] }),
    });
    await refused.body.dump();
    expect(refused.statusCode).toBe(429);
    await gw.gateway.audit.flush();
    const reply = await request(`${gw.baseUrl}/admin/v1/audit?outcome=budget_exceeded&principal=${key.keyId}`, {
      headers: { authorization: `Bearer ${rootToken}` },
    });
    expect(reply.statusCode).toBe(200);
    const found = (await reply.body.json()) as { data: Array<{ request_id: string; outcome: string }> };
    expect(found.data.map((event) => [event.request_id, event.outcome])).toEqual([
      [refused.headers['x-gatehouse-request-id'], 'budget_exceeded'],
    ]);
    // Nothing was spent: the refusal reserved, found the budget short and never reached the upstream.
    const shown = await runCliWithEnv(cliEnv, ['key', 'limits', 'show', key.keyId, '--json']);
    expect((JSON.parse(shown.stdout) as { budget_status: Status[] }).budget_status).toMatchObject([
      { budget: 'tokens', window: 'daily', limit: 1, used: 0, remaining: 1 },
    ]);
  });

  it('still prints stored budgets that do not validate, and fails rather than guess their status', async () => {
    const key = await spendingKey({ tokens_daily: -1 });
    const shown = await runCliWithEnv(cliEnv, ['key', 'limits', 'show', key.keyId, '--json']);
    expect(shown.code).toBe(1);
    expect(JSON.parse(shown.stdout)).toEqual({ key_id: key.keyId, limits: {}, budgets: { tokens_daily: -1 } });
    expect(shown.stderr).toContain('budgets/tokens_daily');
    const reply = await usage(`?key=${key.keyId}`);
    expect(reply.status).toBe(500);
  });

  it('lists no budget status without a single scope, and none of another tenant', async () => {
    const own = await spendingKey({ tokens_daily: 1000 });
    const foreign = await spendingKey({ tokens_daily: 2000 });
    await chat(foreign.key);
    expect((await usage('')).body.budget_status).toBeUndefined();

    const token = await tenantAdminToken(own.tenantId);
    const mine = await usage(`?key=${own.keyId}`, token);
    expect(mine.status).toBe(200);
    expect(mine.body.budget_status?.find((s) => s.level === 'key')).toMatchObject({ limit: 1000, used: 0 });
    // The caller's tenant narrows the report to nothing; the foreign key's budgets must not leak through it.
    const theirs = await usage(`?key=${foreign.keyId}`, token);
    expect(theirs.status).toBe(200);
    expect(theirs.body.data).toEqual([]);
    expect(theirs.body.budget_status).toBeUndefined();
  });
});
