/**
 * Issue 5 "Done when": allow and deny for each scope type (platform, org, team) and each built-in role, on a
 * representative surface of every family (data plane, MCP, vault, admin incl. the LLM/MCP/vault admin routes, ops),
 * over real HTTP with principals created and bound through the admin API (DESIGN §4, INV-3: deny by default).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminUser, createRbacWorld, orgScope, type RbacWorld, teamScope } from './support.ts';

interface Probe {
  name: string;
  method: string;
  path: () => string;
  body?: () => unknown;
}

let world: RbacWorld;
const users: Record<string, AdminUser> = {};

const PROBES: Probe[] = [
  { name: 'tenants.list@platform', method: 'GET', path: () => '/admin/v1/tenants' },
  {
    name: 'tenants.create@platform',
    method: 'POST',
    path: () => '/admin/v1/tenants',
    body: () => ({ name: `t-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` }),
  },
  { name: 'tenant.get@A', method: 'GET', path: () => `/admin/v1/tenants/${world.a1.tenant.id}` },
  { name: 'tenant.get@B', method: 'GET', path: () => `/admin/v1/tenants/${world.b1.tenant.id}` },
  {
    name: 'teams.create@A',
    method: 'POST',
    path: () => `/admin/v1/tenants/${world.a1.tenant.id}/teams`,
    body: () => ({ name: `team-${Math.random().toString(36).slice(2, 10)}` }),
  },
  {
    name: 'keys.list@A1',
    method: 'GET',
    path: () => `/admin/v1/tenants/${world.a1.tenant.id}/teams/${world.a1.team.id}/keys`,
  },
  {
    name: 'keys.list@A2',
    method: 'GET',
    path: () => `/admin/v1/tenants/${world.a2.tenant.id}/teams/${world.a2.team.id}/keys`,
  },
  {
    name: 'keys.list@B1',
    method: 'GET',
    path: () => `/admin/v1/tenants/${world.b1.tenant.id}/teams/${world.b1.team.id}/keys`,
  },
  {
    name: 'keys.create@A1',
    method: 'POST',
    path: () => `/admin/v1/tenants/${world.a1.tenant.id}/teams/${world.a1.team.id}/keys`,
    body: () => ({ name: 'made-by-e2e' }),
  },
  {
    name: 'keys.create@B1',
    method: 'POST',
    path: () => `/admin/v1/tenants/${world.b1.tenant.id}/teams/${world.b1.team.id}/keys`,
    body: () => ({ name: 'made-by-e2e' }),
  },
  { name: 'key.get@A1', method: 'GET', path: () => `/admin/v1/keys/${world.a1.record.id}` },
  { name: 'key.get@B1', method: 'GET', path: () => `/admin/v1/keys/${world.b1.record.id}` },
  { name: 'audit.query@platform', method: 'GET', path: () => '/admin/v1/audit?limit=1' },
  { name: 'audit.query@A', method: 'GET', path: () => `/admin/v1/tenants/${world.a1.tenant.id}/audit?limit=1` },
  { name: 'mcp.policy@A1', method: 'GET', path: () => `/admin/v1/mcp/policies/${world.a1.team.id}` },
  { name: 'mcp.policy@B1', method: 'GET', path: () => `/admin/v1/mcp/policies/${world.b1.team.id}` },
  { name: 'mcp.servers@platform', method: 'GET', path: () => '/admin/v1/mcp/servers' },
  { name: 'vault.services@platform', method: 'GET', path: () => '/admin/v1/vault/services' },
  { name: 'llm.upstreams@platform', method: 'GET', path: () => '/admin/v1/llm/upstreams' },
  { name: 'llm.prices@platform', method: 'GET', path: () => '/admin/v1/llm/prices' },
  {
    name: 'llm.prices.set@platform',
    method: 'PUT',
    path: () => '/admin/v1/llm/prices/matrix-model',
    body: () => ({ input: 1, output: 2 }),
  },
  { name: 'roles.list@platform', method: 'GET', path: () => '/admin/v1/roles' },
  { name: 'secrets.list@platform', method: 'GET', path: () => '/admin/v1/secrets' },
];

/** `A` = passes authorization (2xx), `D` = 403 permission_denied. Rows: principal; columns: PROBES in order. */
const EXPECTED: Record<string, string> = {
  //                  tl tc ga gb tc kA1 kA2 kB1 kcA kcB kgA kgB aq aqA mA mB ms vs lu lp ps rl sl
  'platform-admin': 'A  A  A  A  A  A   A   A   A   A   A   A   A  A   A  A  A  A  A  A  A  A  A',
  'org-admin@A': 'D  D  A  D  A  A   A   D   A   D   A   D   D  A   A  D  D  D  D  D  D  D  D',
  'team-admin@A1': 'D  D  D  D  D  A   D   D   A   D   A   D   D  D   A  D  D  D  D  D  D  D  D',
  'viewer@platform': 'A  D  A  A  D  A   A   A   D   D   A   A   A  A   A  A  A  A  A  A  D  A  A',
  'viewer@A': 'D  D  A  D  D  A   A   D   D   D   A   D   D  A   A  D  D  D  D  D  D  D  D',
  'auditor@platform': 'D D  D  D  D  D   D   D   D   D   D   D   A  A   D  D  D  D  D  D  D  D  D',
  'agent@platform': 'D  D  D  D  D  D   D   D   D   D   D   D   D  D   D  D  D  D  D  D  D  D  D',
  unbound: 'D  D  D  D  D  D   D   D   D   D   D   D   D  D   D  D  D  D  D  D  D  D  D',
};

function tokenOf(row: string): string {
  if (row === 'platform-admin') return world.root;
  return (users[row] as AdminUser).token;
}

describe('[INV-3] RBAC matrix over HTTP: built-in roles x scopes x admin surfaces of every family', () => {
  beforeAll(async () => {
    world = await createRbacWorld();
    const tenantA = world.a1.tenant.id;
    users['org-admin@A'] = await world.createUser(tenantA);
    await world.bind(users['org-admin@A'], 'org-admin', orgScope(tenantA));
    users['team-admin@A1'] = await world.createUser(tenantA);
    await world.bind(users['team-admin@A1'], 'team-admin', teamScope(world.a1));
    users['viewer@platform'] = await world.createUser();
    await world.bind(users['viewer@platform'], 'viewer', 'platform');
    users['viewer@A'] = await world.createUser(tenantA);
    await world.bind(users['viewer@A'], 'viewer', orgScope(tenantA));
    users['auditor@platform'] = await world.createUser();
    await world.bind(users['auditor@platform'], 'auditor', 'platform');
    users['agent@platform'] = await world.createUser();
    await world.bind(users['agent@platform'], 'agent', 'platform');
    users.unbound = await world.createUser();
  });
  afterAll(async () => {
    await world?.dispose();
  });

  for (const [row, line] of Object.entries(EXPECTED)) {
    it(`${row}: every probe is allowed or denied as the table says`, async () => {
      const cells = line.trim().split(/\s+/);
      expect(cells).toHaveLength(PROBES.length);
      const mismatches: string[] = [];
      for (const [index, probe] of PROBES.entries()) {
        const reply = await world.call(probe.method, probe.path(), { token: tokenOf(row), body: probe.body?.() });
        const want = cells[index];
        const got = reply.status === 403 ? 'D' : reply.status >= 200 && reply.status < 300 ? 'A' : `?${reply.status}`;
        if (got !== want)
          mismatches.push(`${probe.name}: want ${want}, got ${got} ${JSON.stringify(reply.json).slice(0, 200)}`);
        if (got === 'D')
          expect(reply.json.error).toMatchObject({ code: 'permission_denied', type: 'permission_error' });
      }
      expect(mismatches).toEqual([]);
    });
  }

  it('data-plane surfaces of every family admit the key on its own team, never an admin token', async () => {
    const dataPlane = ['/gatehouse/v1/whoami', '/v1/models', '/mcp/v1/servers', '/gatehouse/v1/vault/services'];
    for (const path of dataPlane) {
      const asKey = await world.call('GET', path, { token: world.a1.key });
      expect(asKey.status, path).toBe(200);
      for (const row of ['platform-admin', 'org-admin@A', 'viewer@platform']) {
        const asAdmin = await world.call('GET', path, { token: tokenOf(row) });
        expect(asAdmin.status, `${row} ${path}`).toBe(401);
        expect(asAdmin.json.error?.code).toBe('credential_not_accepted');
      }
    }
  });

  it('keys cannot call admin routes, even their own team’s', async () => {
    for (const probe of PROBES.filter((p) => p.method === 'GET')) {
      const reply = await world.call('GET', probe.path(), { token: world.a1.key });
      expect(reply.status, probe.name).toBe(401);
      expect(reply.json.error?.code).toBe('credential_not_accepted');
    }
  });

  it('ops surfaces need no credential and ignore the one sent', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      expect((await world.call('GET', path)).status, path).toBe(200);
      expect((await world.call('GET', path, { token: world.a1.key })).status, path).toBe(200);
      expect((await world.call('GET', path, { token: world.root })).status, path).toBe(200);
    }
  });

  it('an explicit deny at a narrower scope beats an allow above it', async () => {
    const user = await world.createUser(world.a1.tenant.id);
    await world.bind(user, 'org-admin', orgScope(world.a1.tenant.id));
    await world.bind(user, 'org-admin', teamScope(world.a2), 'deny');
    const a1Keys = `/admin/v1/tenants/${world.a1.tenant.id}/teams/${world.a1.team.id}/keys`;
    const a2Keys = `/admin/v1/tenants/${world.a2.tenant.id}/teams/${world.a2.team.id}/keys`;
    expect((await world.call('GET', a1Keys, { token: user.token })).status).toBe(200);
    expect((await world.call('GET', a2Keys, { token: user.token })).status).toBe(403);
  });

  it('a deny binding on a key overrides the implicit agent role of its team, on the next request', async () => {
    const key = await world.gw.createIdentity();
    // Allowed first on every family, so each decision has been made (and kept) before the binding changes.
    const dataPlane = ['/gatehouse/v1/whoami', '/v1/models', '/mcp/v1/servers', '/gatehouse/v1/vault/services'];
    for (const path of dataPlane) expect((await world.call('GET', path, { token: key.key })).status, path).toBe(200);
    await world.bind(`key:${key.record.id}`, 'agent', teamScope(key), 'deny');
    for (const path of dataPlane) {
      const denied = await world.call('GET', path, { token: key.key });
      expect(denied.status, path).toBe(403);
      expect(denied.json.error?.code).toBe('permission_denied');
    }
  });

  it('records each decision in the audit event and counts it on /metrics', async () => {
    const viewer = users['viewer@A'] as AdminUser;
    const denied = await world.call('GET', `/admin/v1/tenants/${world.b1.tenant.id}`, { token: viewer.token });
    expect(denied.status).toBe(403);
    const events = await world.gw.auditEvents();
    const event = events.find((e) => e.request_id === denied.headers['x-gatehouse-request-id']);
    expect(event).toMatchObject({
      surface: 'admin.tenants.get',
      status: 403,
      outcome: 'denied',
      principal: { type: 'user', id: viewer.id },
      authz: {
        decision: 'deny',
        permission: 'admin.tenants.read',
        scope: `org:${world.b1.tenant.id}`,
        reason: 'no_binding',
      },
    });
    const allowed = await world.call('GET', `/admin/v1/tenants/${world.a1.tenant.id}`, { token: viewer.token });
    const allowEvent = (await world.gw.auditEvents()).find(
      (e) => e.request_id === allowed.headers['x-gatehouse-request-id'],
    );
    expect(allowEvent?.authz).toMatchObject({
      decision: 'allow',
      reason: 'allow_binding',
      scope: `org:${world.a1.tenant.id}`,
    });
    expect(allowEvent?.authz?.binding_id).toMatch(/^[0-9a-f-]{36}$/);

    const metrics = await world.call('GET', '/metrics');
    const text = String(metrics.json.text ?? '');
    expect(text).toContain(
      'gatehouse_authz_decisions_total{surface="admin.tenants.get",permission="admin.tenants.read",outcome="deny"}',
    );
    expect(text).toContain(
      'gatehouse_authz_decisions_total{surface="admin.tenants.get",permission="admin.tenants.read",outcome="allow"}',
    );
    expect(text).toMatch(
      /gatehouse_authz_decisions_total\{surface="identity\.whoami",permission="identity\.read",outcome="allow"\} \d+/,
    );
  });
});
