/**
 * Issue 16: the admin API takes tenant and team names wherever it takes their ids (path and query), resolved before
 * authorization so RBAC answers a name exactly as it answers the id; a name never reveals another tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdminUser,
  createRbacWorld,
  orgScope,
  type RbacWorld,
  type Reply,
  teamScope,
} from '../../e2e/rbac/support.ts';

let world: RbacWorld;
let tenantAdmin: AdminUser;
let unboundTenantAdmin: AdminUser;
let teamAdmin: AdminUser;

async function eventsOf(reply: Reply) {
  const id = reply.headers['x-gatehouse-request-id'];
  return (await world.gw.auditEvents()).filter((event) => event.request_id === id);
}

describe('admin API: tenant and team names', () => {
  beforeAll(async () => {
    world = await createRbacWorld();
    tenantAdmin = await world.createUser(world.a1.tenant.id);
    await world.bind(tenantAdmin, 'org-admin', orgScope(world.a1.tenant.id));
    // Not bound to a tenant as a user: what it may see comes from its bindings alone.
    unboundTenantAdmin = await world.createUser(null);
    await world.bind(unboundTenantAdmin, 'org-admin', orgScope(world.a1.tenant.id));
    teamAdmin = await world.createUser(world.a1.tenant.id);
    await world.bind(teamAdmin, 'team-admin', teamScope(world.a1));
  });
  afterAll(async () => {
    await world?.dispose();
  });

  it('takes names in paths on tenants, teams, keys and limits as it takes ids', async () => {
    const { a1 } = world;
    const tenant = await world.call('GET', `/admin/v1/tenants/${a1.tenant.name}`, { token: world.root });
    expect(tenant.status).toBe(200);
    expect(tenant.json.id).toBe(a1.tenant.id);
    const team = await world.call('GET', `/admin/v1/tenants/${a1.tenant.name}/teams/${a1.team.name}`, {
      token: world.root,
    });
    expect(team.status).toBe(200);
    expect(team.json.id).toBe(a1.team.id);
    // A team name under a tenant given by id works as well.
    const mixed = await world.call('GET', `/admin/v1/tenants/${a1.tenant.id}/teams/${a1.team.name}/keys`, {
      token: world.root,
    });
    expect(mixed.status).toBe(200);
    expect((mixed.json.data as Array<{ id: string }>).map((key) => key.id)).toContain(a1.record.id);
    const limits = await world.call('PUT', `/admin/v1/tenants/${a1.tenant.name}/teams/${a1.team.name}/limits`, {
      token: world.root,
      body: { limits: { rpm: 77 } },
    });
    expect(limits.status).toBe(200);
    expect(limits.json.id).toBe(a1.team.id);
  });

  it('takes names in query filters (audit, usage) and a team name with its tenant (MCP policies)', async () => {
    const { a1 } = world;
    const audit = await world.call('GET', `/admin/v1/audit?tenant=${a1.tenant.name}&team=${a1.team.name}`, {
      token: world.root,
    });
    expect(audit.status).toBe(200);
    const usage = await world.call('GET', `/admin/v1/usage?tenant=${a1.tenant.name}&team=${a1.team.name}`, {
      token: world.root,
    });
    expect(usage.status).toBe(200);
    const policy = await world.call('GET', `/admin/v1/mcp/policies/${a1.team.name}?tenant=${a1.tenant.name}`, {
      token: world.root,
    });
    expect(policy.status).toBe(200);
    expect(policy.json.team_id).toBe(a1.team.id);
    // A caller bound to a tenant needs no tenant parameter: its own is the one the name is looked up in.
    const own = await world.call('GET', `/admin/v1/mcp/policies/${a1.team.name}`, { token: tenantAdmin.token });
    expect(own.status).toBe(200);
    expect(own.json.team_id).toBe(a1.team.id);
  });

  it('resolves a tenant created a moment ago outside this API (the snapshot reloads on a miss)', async () => {
    const created = await world.gw.gateway.identity.createTenant(`fresh-${Date.now()}`);
    const reply = await world.call('GET', `/admin/v1/tenants/${created.name}`, { token: world.root });
    expect(reply.status).toBe(200);
    expect(reply.json.id).toBe(created.id);
  });

  it('refuses a team name with no tenant to find it in: a 400 saying to add tenant, audited once', async () => {
    const reply = await world.call('GET', `/admin/v1/audit?team=${world.a1.team.name}`, { token: world.root });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatchObject({ code: 'invalid_request', param: 'team' });
    expect(reply.json.error?.message).toContain('add tenant=');
    const events = await eventsOf(reply);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ surface: 'admin.audit.query', status: 400 });
  });

  it('answers an unknown name with a 404 naming it, audited once, and writes nothing', async () => {
    const tenant = await world.call('GET', '/admin/v1/tenants/no-such-tenant', { token: world.root });
    expect(tenant.status).toBe(404);
    expect(tenant.json.error).toMatchObject({ code: 'resource_not_found', param: 'tenant_id' });
    expect(tenant.json.error?.message).toContain('"no-such-tenant"');
    expect(await eventsOf(tenant)).toHaveLength(1);

    const path = `/admin/v1/tenants/${world.a1.tenant.name}/teams/no-such-team/limits`;
    const team = await world.call('PUT', path, { token: world.root, body: { limits: { rpm: 1 } } });
    expect(team.status).toBe(404);
    expect(team.json.error).toMatchObject({ code: 'resource_not_found', param: 'team_id' });
    expect(team.json.error?.message).toContain('"no-such-team"');
    const events = await eventsOf(team);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ surface: 'admin.teams.limits', status: 404 });
    const teams = await world.call('GET', `/admin/v1/tenants/${world.a1.tenant.id}/teams?limit=1000`, {
      token: world.root,
    });
    expect((teams.json.data as Array<{ name: string }>).map((t) => t.name)).not.toContain('no-such-team');
  });

  it("never reveals another tenant's names: a foreign name answers as an unknown one", async () => {
    for (const admin of [tenantAdmin, unboundTenantAdmin]) {
      const foreign = await world.call('GET', `/admin/v1/tenants/${world.b1.tenant.name}`, { token: admin.token });
      const unknown = await world.call('GET', '/admin/v1/tenants/no-such-tenant', { token: admin.token });
      expect(foreign.status).toBe(404);
      expect(unknown.status).toBe(404);
      expect(foreign.json.error?.message.replace(world.b1.tenant.name, 'X')).toBe(
        unknown.json.error?.message.replace('no-such-tenant', 'X'),
      );
      // Its own tenant resolves by name; the foreign one by id stays the RBAC refusal it always was.
      const own = await world.call('GET', `/admin/v1/tenants/${world.a1.tenant.name}`, { token: admin.token });
      expect(own.status).toBe(200);
      const byId = await world.call('GET', `/admin/v1/tenants/${world.b1.tenant.id}`, { token: admin.token });
      expect(byId.status).toBe(403);
    }
    // A team name under a foreign tenant's id says nothing about that tenant's teams either.
    const team = await world.call('GET', `/admin/v1/tenants/${world.b1.tenant.id}/teams/${world.b1.team.name}`, {
      token: tenantAdmin.token,
    });
    expect(team.status).toBe(404);
    const usage = await world.call('GET', `/admin/v1/usage?tenant=${world.b1.tenant.name}`, {
      token: tenantAdmin.token,
    });
    expect(usage.status).toBe(404);
    expect(await eventsOf(usage)).toHaveLength(1);
  });

  it("refuses a team admin naming another team of its tenant exactly as with the team's id", async () => {
    const { a1, a2 } = world;
    const byName = await world.call('GET', `/admin/v1/tenants/${a1.tenant.name}/teams/${a2.team.name}/keys`, {
      token: teamAdmin.token,
    });
    const byId = await world.call('GET', `/admin/v1/tenants/${a1.tenant.id}/teams/${a2.team.id}/keys`, {
      token: teamAdmin.token,
    });
    expect(byId.status).toBe(403);
    expect(byName.status).toBe(403);
    expect(byName.json.error).toEqual(byId.json.error);
    const events = await eventsOf(byName);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ surface: 'admin.keys.list', status: 403 });
    const own = await world.call('GET', `/admin/v1/tenants/${a1.tenant.name}/teams/${a1.team.name}/keys`, {
      token: teamAdmin.token,
    });
    expect(own.status).toBe(200);
  });
});
