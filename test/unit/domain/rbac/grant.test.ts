import { describe, expect, it } from 'vitest';
import { type Binding, checkGrant, createPolicyEngine } from '../../../../src/domain/rbac/index.ts';

const ORG = 'org:0190a000-0000-7000-8000-00000000000a';
const OTHER_ORG = 'org:0190a000-0000-7000-8000-00000000000b';
const TEAM = `${ORG}/team:0190a000-0000-7000-8000-0000000000a1`;
const ROOT = 'user:0190c000-0000-7000-8000-000000000001';
const ORG_ADMIN = 'user:0190c000-0000-7000-8000-000000000002';
const TEAM_ADMIN = 'user:0190c000-0000-7000-8000-000000000003';
const LIMITED = 'user:0190c000-0000-7000-8000-000000000004';
let next = 0;
function bind(principal: string, role: string, scope: string, effect: Binding['effect'] = 'allow'): Binding {
  next += 1;
  return { id: `0190b000-0000-7000-8000-${String(next).padStart(12, '0')}`, principal, role, scope, effect };
}

const engine = createPolicyEngine({
  roles: [
    { name: 'empty', permissions: [] },
    { name: 'chat', permissions: ['llm.chat'] },
  ],
  bindings: [
    bind(ROOT, 'platform-admin', 'platform'),
    bind(ORG_ADMIN, 'org-admin', ORG),
    bind(TEAM_ADMIN, 'team-admin', TEAM),
    bind(LIMITED, 'org-admin', ORG),
    bind(LIMITED, 'chat', TEAM, 'deny'),
  ],
});

describe('checkGrant: the escalation guard', () => {
  it('lets a platform admin grant anything anywhere', () => {
    for (const role of ['platform-admin', 'org-admin', 'viewer', 'empty']) {
      for (const scope of ['platform', ORG, TEAM])
        expect(checkGrant(engine, ROOT, { role, scope })).toEqual({ ok: true });
    }
  });

  it('lets an org admin grant what it holds, within its org', () => {
    for (const role of ['org-admin', 'team-admin', 'viewer', 'auditor', 'agent', 'chat']) {
      expect(checkGrant(engine, ORG_ADMIN, { role, scope: ORG })).toEqual({ ok: true });
      expect(checkGrant(engine, ORG_ADMIN, { role, scope: TEAM })).toEqual({ ok: true });
    }
  });

  it('refuses a role the granter does not fully hold', () => {
    expect(checkGrant(engine, ORG_ADMIN, { role: 'platform-admin', scope: ORG })).toMatchObject({
      ok: false,
      code: 'permission_not_held',
      permission: 'ops.metrics.read',
    });
    expect(checkGrant(engine, TEAM_ADMIN, { role: 'org-admin', scope: TEAM })).toMatchObject({
      code: 'permission_not_held',
    });
    expect(checkGrant(engine, TEAM_ADMIN, { role: 'viewer', scope: TEAM })).toMatchObject({
      code: 'permission_not_held',
    });
  });

  it('refuses scopes above or beside the granter', () => {
    expect(checkGrant(engine, ORG_ADMIN, { role: 'agent', scope: 'platform' })).toMatchObject({
      code: 'scope_not_held',
    });
    expect(checkGrant(engine, ORG_ADMIN, { role: 'agent', scope: OTHER_ORG })).toMatchObject({
      code: 'scope_not_held',
    });
    expect(checkGrant(engine, TEAM_ADMIN, { role: 'agent', scope: ORG })).toMatchObject({ code: 'scope_not_held' });
    expect(checkGrant(engine, TEAM_ADMIN, { role: 'empty', scope: ORG })).toMatchObject({ code: 'scope_not_held' });
  });

  it('lets a team admin grant its own subset within its team', () => {
    expect(checkGrant(engine, TEAM_ADMIN, { role: 'agent', scope: TEAM })).toEqual({ ok: true });
    expect(checkGrant(engine, TEAM_ADMIN, { role: 'team-admin', scope: TEAM })).toEqual({ ok: true });
  });

  it('honours denies on the granter', () => {
    expect(checkGrant(engine, LIMITED, { role: 'agent', scope: ORG })).toEqual({ ok: true });
    expect(checkGrant(engine, LIMITED, { role: 'agent', scope: TEAM })).toMatchObject({
      code: 'permission_not_held',
      permission: 'llm.chat',
    });
  });

  it('refuses unknown principals, roles and malformed scopes', () => {
    expect(checkGrant(engine, 'user:nobody', { role: 'agent', scope: TEAM })).toMatchObject({
      code: 'scope_not_held',
    });
    expect(checkGrant(engine, ROOT, { role: 'ghost', scope: ORG })).toMatchObject({ code: 'unknown_role' });
    expect(checkGrant(engine, ROOT, { role: 'agent', scope: ORG.toUpperCase() })).toMatchObject({
      code: 'invalid_scope',
    });
    expect(checkGrant(engine, ROOT, { role: '', scope: '' })).toMatchObject({ ok: false });
  });
});
