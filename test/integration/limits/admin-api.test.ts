import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.ts';

async function call(gw: TestGateway, method: 'GET' | 'PUT' | 'PATCH', path: string, token: string, body?: unknown) {
  const res = await request(`${gw.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as Record<string, unknown> };
}

describe('[INV-6] limits and budgets set through the admin API', () => {
  let gw: TestGateway;
  let admin: string;

  beforeAll(async () => {
    gw = await startGateway();
    admin = (await gw.gateway.admin.bootstrapPlatformAdmin('limits-admin@example.com')).token;
    await gw.gateway.adminSnapshot.refresh();
  });
  afterAll(() => gw?.dispose());

  it("applies a tenant rpm set with PUT /limits to the tenant's keys", async () => {
    const id = await gw.createIdentity();
    const set = await call(gw, 'PUT', `/admin/v1/tenants/${id.tenant.id}/limits`, admin, {
      limits: { rpm: 2, rpm_burst: 2 },
    });
    expect(set.status).toBe(200);
    expect(set.body.settings).toEqual({ limits: { rpm: 2, rpm_burst: 2 } });
    const deadline = Date.now() + 3000;
    let statuses: number[] = [];
    // The setting reaches admission through the snapshot refresh (≤ 1 s); poll rather than sleep.
    while (Date.now() < deadline) {
      statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await call(gw, 'GET', '/gatehouse/v1/whoami', id.key)).status);
      if (statuses.includes(429)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(statuses).toContain(429);
  });

  it('takes key limits in PATCH settings and rejects unknown or mistyped limit fields', async () => {
    const id = await gw.createIdentity();
    const ok = await call(gw, 'PATCH', `/admin/v1/keys/${id.record.id}`, admin, {
      settings: { limits: { rpm: 60, max_parallel: 2 }, budgets: { tokens_daily: 1000 } },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.settings).toMatchObject({ limits: { rpm: 60, max_parallel: 2 }, budgets: { tokens_daily: 1000 } });
    const unknown = await call(gw, 'PATCH', `/admin/v1/keys/${id.record.id}`, admin, {
      settings: { limits: { rpn: 5 } },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'invalid_request' });
    const negative = await call(gw, 'PUT', `/admin/v1/tenants/${id.tenant.id}/limits`, admin, {
      budgets: { usd_daily: -1 },
    });
    expect(negative.status).toBe(400);
    const typed = await call(gw, 'PUT', `/admin/v1/tenants/${id.tenant.id}/teams/${id.team.id}/limits`, admin, {
      limits: { rpm: '10' },
    });
    expect(typed.status).toBe(400);
    const team = await call(gw, 'PUT', `/admin/v1/tenants/${id.tenant.id}/teams/${id.team.id}/limits`, admin, {
      budgets: { tokens_monthly: 5000 },
    });
    expect([team.status, team.body.settings]).toEqual([200, { budgets: { tokens_monthly: 5000 } }]);
  });

  it("lets a team admin read its own team's usage, and nothing beyond it", async () => {
    const mine = await gw.createIdentity();
    const other = await gw.createIdentity();
    const user = await gw.gateway.admin.createUser({ email: `team-admin-${mine.team.id}@example.com` });
    await gw.gateway.admin.createBinding(
      { principal: `user:${user.id}`, role: 'team-admin', scope: `org:${mine.tenant.id}/team:${mine.team.id}` },
      null,
    );
    const { token } = await gw.gateway.admin.issueToken(user.id);
    await gw.gateway.adminSnapshot.refresh();
    const own = await call(
      gw,
      'GET',
      `/admin/v1/tenants/${mine.tenant.id}/teams/${mine.team.id}/usage?group_by=key`,
      token,
    );
    expect(own.status).toBe(200);
    expect(own.body.object).toBe('usage_report');
    const foreign = await call(gw, 'GET', `/admin/v1/tenants/${other.tenant.id}/teams/${other.team.id}/usage`, token);
    expect(foreign.status).toBe(403);
    const widened = await call(
      gw,
      'GET',
      `/admin/v1/tenants/${mine.tenant.id}/teams/${mine.team.id}/usage?team=${other.team.id}`,
      token,
    );
    expect(widened.status).toBe(400);
    expect((await call(gw, 'GET', '/admin/v1/usage', token)).status).toBe(403);
  });
});
