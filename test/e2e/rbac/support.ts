/**
 * @module
 * A small world for end-to-end RBAC tests: a gateway on 127.0.0.1:0, two tenants with teams and keys, and one admin
 * user per built-in role, each created, bound and given a token through the admin API itself (over HTTP), so the
 * tests exercise the same path an operator does.
 */
import { request } from 'undici';
import {
  type StartGatewayOptions,
  startGateway,
  type TestGateway,
  type TestIdentity,
  uniqueName,
} from '../../helpers/gateway.ts';

export interface Reply {
  status: number;
  json: Record<string, unknown> & { error?: { code: string; message: string; type: string; param: unknown } };
  headers: Record<string, string | string[] | undefined>;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function call(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await request(`${baseUrl}${path}`, {
    method: method as 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.body.text();
  let json: Reply['json'] = {};
  if (text.length > 0) {
    try {
      json = JSON.parse(text) as Reply['json'];
    } catch {
      json = { text } as Reply['json'];
    }
  }
  return { status: response.statusCode, json, headers: response.headers };
}

export interface AdminUser {
  id: string;
  email: string;
  token: string;
  principal: string;
}

export interface RbacWorld {
  gw: TestGateway;
  baseUrl: string;
  /** The bootstrapped platform admin's token. */
  root: string;
  /** Tenant A with teams A1 (with a key) and A2 (with a key); tenant B with team B1 (with a key). */
  a1: TestIdentity;
  a2: TestIdentity;
  b1: TestIdentity;
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  /** Creates a user (optionally in a tenant) and an admin token for it, through the API. */
  createUser(tenantId?: string | null): Promise<AdminUser>;
  /** Binds a role through the API as the platform admin; throws unless 201. */
  bind(user: AdminUser | string, role: string, scope: string, effect?: 'allow' | 'deny'): Promise<string>;
  dispose(): Promise<void>;
}

function expectStatus(reply: Reply, status: number, what: string): void {
  if (reply.status !== status)
    throw new Error(`${what}: expected ${status}, got ${reply.status} ${JSON.stringify(reply.json)}`);
}

export async function createRbacWorld(options: StartGatewayOptions = {}): Promise<RbacWorld> {
  const gw = await startGateway(options);
  const { token: root } = await gw.gateway.admin.bootstrapPlatformAdmin(`root-${uniqueName('x')}@example.com`);
  await gw.gateway.adminSnapshot.refresh();
  const a1 = await gw.createIdentity();
  const teamA2 = await gw.gateway.identity.createTeam(a1.tenant.id, uniqueName('team'));
  const a2Key = await gw.gateway.identity.createKey({
    tenant: a1.tenant.id,
    team: teamA2.id,
    name: uniqueName('key'),
    expiresInMs: null,
  });
  const b1 = await gw.createIdentity();
  await Promise.all([gw.gateway.snapshot.refresh(), gw.gateway.adminSnapshot.refresh()]);
  const a2: TestIdentity = {
    tenant: a1.tenant,
    team: teamA2,
    key: a2Key.key,
    record: a2Key.record,
    headers: { authorization: `Bearer ${a2Key.key}` },
  };
  const baseUrl = gw.baseUrl;
  const callAt = (method: string, path: string, options?: CallOptions) => call(baseUrl, method, path, options);

  return {
    gw,
    baseUrl,
    root,
    a1,
    a2,
    b1,
    call: callAt,
    async createUser(tenantId = null) {
      const email = `${uniqueName('user')}@example.com`;
      const created = await callAt('POST', '/admin/v1/users', {
        token: root,
        body: tenantId ? { email, tenant_id: tenantId } : { email },
      });
      expectStatus(created, 201, 'create user');
      const id = created.json.id as string;
      const issued = await callAt('POST', `/admin/v1/users/${id}/tokens`, { token: root, body: { name: 'e2e' } });
      expectStatus(issued, 201, 'issue token');
      return { id, email, token: issued.json.token as string, principal: `user:${id}` };
    },
    async bind(user, role, scope, effect = 'allow') {
      const principal = typeof user === 'string' ? user : user.principal;
      const bound = await callAt('POST', '/admin/v1/bindings', {
        token: root,
        body: { principal, role, scope, effect },
      });
      expectStatus(bound, 201, `bind ${role} at ${scope}`);
      return bound.json.id as string;
    },
    dispose: () => gw.dispose(),
  };
}

export const orgScope = (tenantId: string): string => `org:${tenantId}`;
export const teamScope = (identity: TestIdentity): string => `org:${identity.tenant.id}/team:${identity.team.id}`;
