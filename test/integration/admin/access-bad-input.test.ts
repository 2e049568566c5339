/**
 * Issue 5 "Bad input" for the admin API: custom roles with unknown permissions or cycles, bindings to scopes that do
 * not exist, self-escalation, stale If-Match, Idempotency-Key replay and reuse. Each refusal uses the catalog shape
 * and changes nothing (DESIGN §2 invariant 5).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminUser, createRbacWorld, orgScope, type RbacWorld, teamScope } from '../../e2e/rbac/support.ts';

let world: RbacWorld;

async function roleNames(): Promise<string[]> {
  const roles = await world.call('GET', '/admin/v1/roles', { token: world.root });
  return (roles.json.data as Array<{ name: string }>).map((role) => role.name);
}

async function bindingCount(): Promise<number> {
  const list = await world.call('GET', '/admin/v1/bindings?limit=1000', { token: world.root });
  return (list.json.data as unknown[]).length;
}

describe('[INV-5] admin API: roles, bindings, preconditions and idempotency', () => {
  beforeAll(async () => {
    world = await createRbacWorld();
  });
  afterAll(async () => {
    await world?.dispose();
  });

  it('a custom role created through the API grants exactly its permissions at its scope', async () => {
    const put = await world.call('PUT', '/admin/v1/roles/key-reader', {
      token: world.root,
      body: { description: 'Reads keys', permissions: ['admin.keys.read'] },
    });
    expect(put.status).toBe(201);
    expect(put.headers.etag).toBe('"role-1"');
    const user = await world.createUser(world.a1.tenant.id);
    await world.bind(user, 'key-reader', teamScope(world.a1));
    const a1Keys = `/admin/v1/tenants/${world.a1.tenant.id}/teams/${world.a1.team.id}/keys`;
    expect((await world.call('GET', a1Keys, { token: user.token })).status).toBe(200);
    expect((await world.call('POST', a1Keys, { token: user.token, body: { name: 'no' } })).status).toBe(403);
    const a2Keys = `/admin/v1/tenants/${world.a2.tenant.id}/teams/${world.a2.team.id}/keys`;
    expect((await world.call('GET', a2Keys, { token: user.token })).status).toBe(403);
  });

  it.each([
    ['an unknown permission', { permissions: ['admin.keys.raed'] }, 'permissions'],
    ['a wildcard that is not on a dot boundary', { permissions: ['llm*'] }, 'permissions'],
    ['a wildcard matching nothing', { permissions: ['nothing.*'] }, 'permissions'],
    ['an unknown included role', { permissions: [], includes: ['no-such-role'] }, 'includes'],
    ['an extra field', { permissions: ['llm.chat'], admin: true }, 'admin'],
  ])('refuses a role with %s (400) and stores nothing', async (_name, body, _param) => {
    const reply = await world.call('PUT', '/admin/v1/roles/bad-role', { token: world.root, body });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error' });
    expect(await roleNames()).not.toContain('bad-role');
  });

  it('refuses a name where a path takes only an id, saying which resources take names', async () => {
    const reply = await world.call('GET', '/admin/v1/keys/a-key-name', { token: world.root });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatchObject({ code: 'invalid_request', param: 'key_id' });
    expect(reply.json.error?.message).toContain('key_id takes an id (a UUID), not a name');
    expect(reply.json.error?.message).toContain('only tenants and teams');
  });

  it('refuses a role cycle, direct or through another role, and keeps the previous version', async () => {
    const self = await world.call('PUT', '/admin/v1/roles/loop-self', {
      token: world.root,
      body: { permissions: ['llm.chat'], includes: ['loop-self'] },
    });
    expect(self.status).toBe(400);
    expect(self.json.error?.message).toContain('cycle');
    expect(
      (await world.call('PUT', '/admin/v1/roles/loop-b', { token: world.root, body: { permissions: ['llm.chat'] } }))
        .status,
    ).toBe(201);
    expect(
      (
        await world.call('PUT', '/admin/v1/roles/loop-a', {
          token: world.root,
          body: { permissions: [], includes: ['loop-b'] },
        })
      ).status,
    ).toBe(201);
    const cycle = await world.call('PUT', '/admin/v1/roles/loop-b', {
      token: world.root,
      headers: { 'if-match': '"role-1"' },
      body: { permissions: ['llm.chat'], includes: ['loop-a'] },
    });
    expect(cycle.status).toBe(400);
    expect(cycle.json.error?.message).toMatch(/cycle: loop-b -> loop-a -> loop-b/);
    const roles = await world.call('GET', '/admin/v1/roles', { token: world.root });
    const loopB = (roles.json.data as Array<{ name: string; includes: string[]; version: number }>).find(
      (role) => role.name === 'loop-b',
    );
    expect(loopB).toMatchObject({ includes: [], version: 1 });
  });

  it('refuses redefining a built-in role', async () => {
    const reply = await world.call('PUT', '/admin/v1/roles/viewer', {
      token: world.root,
      body: { permissions: ['*'] },
    });
    expect(reply.status).toBe(400);
    expect(reply.json.error?.message).toContain('built-in');
  });

  it('role updates are conditional: a stale If-Match is 412, If-None-Match: * on an existing role is 412', async () => {
    const created = await world.call('PUT', '/admin/v1/roles/etag-role', {
      token: world.root,
      body: { permissions: ['llm.chat'] },
    });
    const first = created.headers.etag as string;
    const updated = await world.call('PUT', '/admin/v1/roles/etag-role', {
      token: world.root,
      headers: { 'if-match': first },
      body: { permissions: ['llm.chat', 'llm.embeddings'] },
    });
    expect(updated.status).toBe(200);
    expect(updated.headers.etag).not.toBe(first);
    const stale = await world.call('PUT', '/admin/v1/roles/etag-role', {
      token: world.root,
      headers: { 'if-match': first },
      body: { permissions: ['*'] },
    });
    expect(stale.status).toBe(412);
    expect(stale.json.error?.code).toBe('precondition_failed');
    const createOnly = await world.call('PUT', '/admin/v1/roles/etag-role', {
      token: world.root,
      headers: { 'if-none-match': '*' },
      body: { permissions: ['*'] },
    });
    expect(createOnly.status).toBe(412);
    expect(createOnly.json.error?.code).toBe('precondition_failed');
  });

  it('key PATCH with a stale If-Match is 412 and leaves the key as it was', async () => {
    const path = `/admin/v1/keys/${world.a1.record.id}`;
    const read = await world.call('GET', path, { token: world.root });
    const etag = read.headers.etag as string;
    expect(etag).toMatch(/^"key-\d+"$/);
    const renamed = await world.call('PATCH', path, {
      token: world.root,
      headers: { 'if-match': etag },
      body: { name: 'renamed-once' },
    });
    expect(renamed.status).toBe(200);
    const stale = await world.call('PATCH', path, {
      token: world.root,
      headers: { 'if-match': etag },
      body: { name: 'lost-update' },
    });
    expect(stale.status).toBe(412);
    expect(stale.json.error).toMatchObject({ code: 'precondition_failed', type: 'conflict_error' });
    expect((await world.call('GET', path, { token: world.root })).json.name).toBe('renamed-once');
  });

  it.each([
    ['a tenant that does not exist', () => `org:${randomUUID()}`],
    ['a team that does not exist', () => `org:${world.a1.tenant.id}/team:${randomUUID()}`],
    ['a team under the wrong tenant', () => `org:${world.a1.tenant.id}/team:${world.b1.team.id}`],
  ])('refuses a binding to %s (400, param scope)', async (_name, scope) => {
    const user = await world.createUser();
    const before = await bindingCount();
    const reply = await world.call('POST', '/admin/v1/bindings', {
      token: world.root,
      body: { principal: user.principal, role: 'viewer', scope: scope() },
    });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatchObject({ code: 'invalid_request', param: 'scope' });
    expect(await bindingCount()).toBe(before);
  });

  it.each([
    ['a malformed scope', { principal: 'user:00000000-0000-7000-8000-000000000000', role: 'viewer', scope: 'org:ABC' }],
    ['an unknown role', { principal: 'user:00000000-0000-7000-8000-000000000000', role: 'root', scope: 'platform' }],
    ['a malformed principal', { principal: 'bob', role: 'viewer', scope: 'platform' }],
    [
      'a bad effect',
      { principal: 'user:00000000-0000-7000-8000-000000000000', role: 'viewer', scope: 'platform', effect: 'maybe' },
    ],
  ])('refuses a binding with %s (400)', async (_name, body) => {
    const before = await bindingCount();
    const reply = await world.call('POST', '/admin/v1/bindings', { token: world.root, body });
    expect(reply.status).toBe(400);
    expect(reply.json.error?.code).toBe('invalid_request');
    expect(await bindingCount()).toBe(before);
  });

  describe('self-escalation: a principal may not grant what it does not hold', () => {
    let orgAdmin: AdminUser;
    let binder: AdminUser;

    beforeAll(async () => {
      orgAdmin = await world.createUser(world.a1.tenant.id);
      await world.bind(orgAdmin, 'org-admin', orgScope(world.a1.tenant.id));
      const role = await world.call('PUT', '/admin/v1/roles/binder', {
        token: world.root,
        body: { permissions: ['admin.bindings.*'] },
      });
      expect(role.status).toBe(201);
      binder = await world.createUser(world.a1.tenant.id);
      await world.bind(binder, 'binder', orgScope(world.a1.tenant.id));
    });

    const tenantBindings = () => `/admin/v1/tenants/${world.a1.tenant.id}/bindings`;

    it('an org admin grants roles it holds within its org', async () => {
      const target = await world.createUser(world.a1.tenant.id);
      const reply = await world.call('POST', tenantBindings(), {
        token: orgAdmin.token,
        body: { principal: target.principal, role: 'team-admin', scope: teamScope(world.a1) },
      });
      expect(reply.status).toBe(201);
      expect(reply.json.created_by).toBe(orgAdmin.principal);
    });

    it('an org admin cannot grant platform-admin, even at its own org, nor to itself', async () => {
      for (const principal of [orgAdmin.principal, (await world.createUser()).principal]) {
        const reply = await world.call('POST', tenantBindings(), {
          token: orgAdmin.token,
          body: { principal, role: 'platform-admin', scope: orgScope(world.a1.tenant.id) },
        });
        expect(reply.status).toBe(403);
        expect(reply.json.error?.code).toBe('permission_denied');
      }
    });

    it('an org admin cannot bind outside its org, through either route', async () => {
      const target = await world.createUser();
      const elsewhere = await world.call('POST', tenantBindings(), {
        token: orgAdmin.token,
        body: { principal: target.principal, role: 'viewer', scope: orgScope(world.b1.tenant.id) },
      });
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.json.error?.param).toBe('scope');
      const otherTenant = await world.call('POST', `/admin/v1/tenants/${world.b1.tenant.id}/bindings`, {
        token: orgAdmin.token,
        body: { principal: target.principal, role: 'viewer', scope: orgScope(world.b1.tenant.id) },
      });
      expect(otherTenant.status).toBe(403);
      const platform = await world.call('POST', '/admin/v1/bindings', {
        token: orgAdmin.token,
        body: { principal: target.principal, role: 'viewer', scope: orgScope(world.a1.tenant.id) },
      });
      expect(platform.status).toBe(403);
    });

    it('a binder with admin.bindings.* only cannot grant team-admin (it lacks admin.keys.write)', async () => {
      const target = await world.createUser(world.a1.tenant.id);
      const before = await bindingCount();
      const reply = await world.call('POST', tenantBindings(), {
        token: binder.token,
        body: { principal: target.principal, role: 'team-admin', scope: teamScope(world.a1) },
      });
      expect(reply.status).toBe(403);
      expect(reply.json.error?.message).toContain('grant team-admin');
      expect(await bindingCount()).toBe(before);
      const own = await world.call('POST', tenantBindings(), {
        token: binder.token,
        body: { principal: target.principal, role: 'binder', scope: teamScope(world.a1) },
      });
      expect(own.status).toBe(201);
    });

    it('a team admin cannot write bindings at all', async () => {
      const teamAdmin = await world.createUser(world.a1.tenant.id);
      await world.bind(teamAdmin, 'team-admin', teamScope(world.a1));
      const reply = await world.call('POST', tenantBindings(), {
        token: teamAdmin.token,
        body: { principal: teamAdmin.principal, role: 'team-admin', scope: teamScope(world.a2) },
      });
      expect(reply.status).toBe(403);
    });
  });

  describe('Idempotency-Key on creates', () => {
    it('replays the first response for the same key and body, with Idempotent-Replayed', async () => {
      const body = { name: `idem-${randomUUID().slice(0, 8)}` };
      const headers = { 'idempotency-key': `k-${randomUUID()}` };
      const first = await world.call('POST', '/admin/v1/tenants', { token: world.root, body, headers });
      expect(first.status).toBe(201);
      const again = await world.call('POST', '/admin/v1/tenants', { token: world.root, body, headers });
      expect(again.status).toBe(201);
      expect(again.json.id).toBe(first.json.id);
      expect(again.headers['idempotent-replayed']).toBe('true');
      const tenants = await world.call('GET', '/admin/v1/tenants?limit=1000', { token: world.root });
      expect((tenants.json.data as Array<{ name: string }>).filter((t) => t.name === body.name)).toHaveLength(1);
    });

    it('refuses the same key with another body (422) and creates nothing', async () => {
      const headers = { 'idempotency-key': `k-${randomUUID()}` };
      const name = `idem-${randomUUID().slice(0, 8)}`;
      expect(
        (await world.call('POST', '/admin/v1/tenants', { token: world.root, body: { name }, headers })).status,
      ).toBe(201);
      const reused = await world.call('POST', '/admin/v1/tenants', {
        token: world.root,
        body: { name: `${name}-other` },
        headers,
      });
      expect(reused.status).toBe(422);
      expect(reused.json.error?.code).toBe('idempotency_key_reused');
      const tenants = await world.call('GET', '/admin/v1/tenants?limit=1000', { token: world.root });
      expect((tenants.json.data as Array<{ name: string }>).some((t) => t.name === `${name}-other`)).toBe(false);
    });

    it('refuses a malformed Idempotency-Key (400)', async () => {
      const reply = await world.call('POST', '/admin/v1/tenants', {
        token: world.root,
        body: { name: 'never' },
        headers: { 'idempotency-key': 'x'.repeat(256) },
      });
      expect(reply.status).toBe(400);
      expect(reply.json.error).toMatchObject({ code: 'idempotency_key_invalid', param: 'idempotency-key' });
    });
  });

  it('paginates with an opaque cursor and refuses a forged one', async () => {
    const first = await world.call('GET', '/admin/v1/tenants?limit=1', { token: world.root });
    expect((first.json.data as unknown[]).length).toBe(1);
    const cursor = first.json.next_cursor as string;
    expect(typeof cursor).toBe('string');
    const second = await world.call('GET', `/admin/v1/tenants?limit=1&cursor=${cursor}`, { token: world.root });
    expect((second.json.data as Array<{ id: string }>)[0]?.id).not.toBe(
      (first.json.data as Array<{ id: string }>)[0]?.id,
    );
    const forged = Buffer.from("'; drop table tenants; --").toString('base64url');
    const bad = await world.call('GET', `/admin/v1/tenants?cursor=${forged}`, { token: world.root });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.param).toBe('cursor');
    expect((await world.call('GET', '/admin/v1/tenants?limit=0', { token: world.root })).status).toBe(400);
  });
});
