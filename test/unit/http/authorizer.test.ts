import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/domain/principal.ts';
import { type Binding, createPolicyEngine, type PolicyEngine } from '../../../src/domain/rbac/index.ts';
import { createRbacAuthorizer } from '../../../src/http/authorizer.ts';
import type { Surface } from '../../../src/http/surfaces.ts';

const TENANT = '0190a000-0000-7000-8000-00000000000a';
const TEAM = '0190a000-0000-7000-8000-0000000000a1';
const OTHER_TENANT = '0190a000-0000-7000-8000-00000000000b';
const KEY = '0190d000-0000-7000-8000-000000000001';

function keyPrincipal(): Principal {
  return { type: 'key', id: KEY, tenantId: TENANT, teamId: TEAM, name: 'k', settings: {}, expiresAt: null };
}

function surface(overrides: Partial<Surface>): Surface {
  return {
    id: 'test.chat',
    method: 'POST',
    path: '/v1/chat/completions',
    auth: ['key'],
    permissions: ['llm.chat'],
    auditMeta: [],
    classification: 'internal',
    description: 'test',
    ...overrides,
  };
}

const chat = surface({});
const tenantAdmin = surface({
  id: 'test.tenant',
  path: '/admin/v1/tenants/:tenant_id',
  permissions: ['admin.tenants.read'],
  scope: 'tenant_param',
});
const request = (params: Record<string, string> = {}) => ({ params }) as unknown as FastifyRequest;

function denyKey(): Binding {
  return {
    id: '0190b000-0000-7000-8000-000000000001',
    principal: `key:${KEY}`,
    role: 'agent',
    scope: `org:${TENANT}/team:${TEAM}`,
    effect: 'deny',
  };
}

function setUp() {
  let engine: PolicyEngine = createPolicyEngine({ bindings: [] });
  const tenants = new Set<string>([TENANT]);
  const authorizer = createRbacAuthorizer(() => engine, {
    tenantExists: (id) => tenants.has(id),
    tenantOfTeam: (id) => (id === TEAM ? TENANT : undefined),
    teamOfKey: () => undefined,
    tenantNamed: () => undefined,
    teamNamed: () => undefined,
    teamsOfTenant: () => [],
    refreshOnMiss: async () => {},
  });
  return {
    authorizer,
    tenants,
    replaceEngine(bindings: Binding[]) {
      const roles = [{ name: 'tool-caller', permissions: ['mcp.tools.call'] }];
      engine = createPolicyEngine({ roles, bindings });
    },
  };
}

describe('RBAC authorizer decisions kept per principal', () => {
  it('answers a repeated principal-scoped question from the kept decision', () => {
    const { authorizer } = setUp();
    const principal = keyPrincipal();
    const first = authorizer.authorize(principal, chat, request());
    expect(first).toMatchObject({ decision: 'allow', reason: 'key_agent_role', scope: `org:${TENANT}/team:${TEAM}` });
    expect(authorizer.authorize(principal, chat, request())).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('decides again once the policy engine is replaced (a binding changed)', () => {
    const { authorizer, replaceEngine } = setUp();
    const principal = keyPrincipal();
    expect(authorizer.authorize(principal, chat, request()).decision).toBe('allow');
    replaceEngine([denyKey()]);
    expect(authorizer.authorize(principal, chat, request())).toMatchObject({
      decision: 'deny',
      reason: 'deny_binding',
    });
    replaceEngine([]);
    expect(authorizer.authorize(principal, chat, request()).decision).toBe('allow');
  });

  it('decides again for a new principal object (the key record changed)', () => {
    const { authorizer } = setUp();
    const before = authorizer.authorize(keyPrincipal(), chat, request());
    const moved = { ...keyPrincipal(), tenantId: OTHER_TENANT };
    const after = authorizer.authorize(moved, chat, request());
    expect(after).not.toBe(before);
    expect(after.scope).toBe(`org:${OTHER_TENANT}/team:${TEAM}`);
  });

  it('keeps decisions per surface object: a derived surface with the same id but other permissions is its own', () => {
    const { authorizer, replaceEngine } = setUp();
    replaceEngine([
      {
        id: '0190b000-0000-7000-8000-000000000002',
        principal: `key:${KEY}`,
        role: 'tool-caller',
        scope: `org:${TENANT}/team:${TEAM}`,
        effect: 'deny',
      },
    ]);
    const principal = keyPrincipal();
    const endpoint = surface({ id: 'test.endpoint', permissions: ['mcp.tools.read'] });
    const toolCall = { ...endpoint, permissions: ['mcp.tools.call'] };
    expect(authorizer.authorize(principal, endpoint, request()).decision).toBe('allow');
    expect(authorizer.authorize(principal, toolCall, request())).toMatchObject({
      decision: 'deny',
      reason: 'deny_binding',
    });
    expect(authorizer.authorize(principal, endpoint, request()).decision).toBe('allow');
  });

  it('never keeps a decision that depends on path parameters', () => {
    const { authorizer, tenants } = setUp();
    const principal = keyPrincipal();
    expect(authorizer.authorize(principal, tenantAdmin, request({ tenant_id: OTHER_TENANT })).scope).toBe('platform');
    tenants.add(OTHER_TENANT);
    expect(authorizer.authorize(principal, tenantAdmin, request({ tenant_id: OTHER_TENANT })).scope).toBe(
      `org:${OTHER_TENANT}`,
    );
    expect(authorizer.authorize(principal, tenantAdmin, request({ tenant_id: TENANT })).scope).toBe(`org:${TENANT}`);
  });

  it('never keeps a decision for a principal made per request (JWT, admin token)', () => {
    const { authorizer } = setUp();
    for (const made of [
      { ...keyPrincipal(), type: 'jwt', id: 'https://idp.example#alice' },
      { ...keyPrincipal(), type: 'user', id: '0190c000-0000-7000-8000-000000000001', teamId: null },
    ] satisfies Principal[]) {
      const first = authorizer.authorize(made, chat, request());
      expect(authorizer.authorize(made, chat, request())).not.toBe(first);
      expect(authorizer.authorize(made, chat, request())).toEqual(first);
    }
  });
});
