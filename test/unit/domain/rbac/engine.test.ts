import { describe, expect, it } from 'vitest';
import {
  type Binding,
  createPolicyEngine,
  PolicyConfigError,
  validateBinding,
} from '../../../../src/domain/rbac/index.ts';

const ORG = 'org:0190a000-0000-7000-8000-00000000000a';
const TEAM = `${ORG}/team:0190a000-0000-7000-8000-0000000000a1`;
const ALICE = 'user:0190c000-0000-7000-8000-000000000001';
const id = (n: number): string => `0190b000-0000-7000-8000-${String(n).padStart(12, '0')}`;

function bind(n: number, role: string, scope: string, effect: Binding['effect'] = 'allow', principal = ALICE): Binding {
  return { id: id(n), principal, role, scope, effect };
}

describe('authorize', () => {
  const engine = createPolicyEngine({ bindings: [bind(1, 'agent', ORG), bind(2, 'viewer', TEAM)] });

  it('returns a full decision for an allow', () => {
    expect(engine.authorize(ALICE, 'llm.chat', TEAM)).toEqual({
      decision: 'allow',
      permission: 'llm.chat',
      scope: TEAM,
      binding_id: id(1),
      reason: 'allow_binding',
    });
  });

  it('gives each deny a reason', () => {
    expect(engine.authorize(ALICE, 'admin.keys.write', TEAM)).toMatchObject({ decision: 'deny', reason: 'no_binding' });
    expect(engine.authorize('user:nobody', 'llm.chat', TEAM)).toMatchObject({ decision: 'deny', reason: 'no_binding' });
    expect(engine.authorize(ALICE, 'llm.chats', TEAM)).toMatchObject({ reason: 'unknown_permission' });
    expect(engine.authorize(ALICE, 'llm.chat', 'nowhere')).toMatchObject({ reason: 'invalid_scope' });
    const denied = createPolicyEngine({ bindings: [bind(1, 'agent', ORG), bind(2, 'agent', TEAM, 'deny')] });
    expect(denied.authorize(ALICE, 'llm.chat', TEAM)).toMatchObject({ binding_id: id(2), reason: 'deny_binding' });
  });

  it.each([
    ['', 'llm.chat', TEAM],
    [ALICE, '', TEAM],
    [ALICE, 'llm.chat', ''],
    [ALICE, 'llm.*', TEAM],
    [ALICE, '*', TEAM],
    [ALICE, '__proto__', TEAM],
    [ALICE, 'constructor', TEAM],
    ['__proto__', 'llm.chat', TEAM],
    [ALICE, 'llm.chat', TEAM.toUpperCase()],
    [ALICE, 'llm.chat', `${TEAM}/`],
    [ALICE.toUpperCase(), 'llm.chat', TEAM],
  ])('denies malformed input (%j, %j, %j) without throwing', (principal, permission, scope) => {
    const decision = engine.authorize(principal, permission, scope);
    expect(decision.decision).toBe('deny');
    expect(decision.binding_id).toBeNull();
  });

  it('does not let a wildcard request name match a wildcard role', () => {
    const admin = createPolicyEngine({ bindings: [bind(1, 'platform-admin', 'platform')] });
    expect(admin.authorize(ALICE, 'admin.*', 'platform').decision).toBe('deny');
  });
});

describe('authorizeAll', () => {
  const engine = createPolicyEngine({
    bindings: [bind(1, 'agent', ORG), bind(2, 'auditor', ORG), bind(3, 'auditor', TEAM, 'deny')],
  });

  it('allows when every permission is allowed, reporting the first', () => {
    expect(engine.authorizeAll(ALICE, ['llm.chat', 'admin.audit.read'], ORG)).toMatchObject({
      decision: 'allow',
      permission: 'llm.chat',
      binding_id: id(1),
    });
  });

  it('returns the first deny', () => {
    expect(engine.authorizeAll(ALICE, ['llm.chat', 'admin.audit.read', 'admin.keys.read'], TEAM)).toMatchObject({
      decision: 'deny',
      permission: 'admin.audit.read',
      binding_id: id(3),
    });
    expect(engine.authorizeAll(ALICE, ['llm.chat', 'nope'], ORG)).toMatchObject({ reason: 'unknown_permission' });
  });

  it('denies an empty list rather than allow vacuously', () => {
    expect(engine.authorizeAll(ALICE, [], ORG)).toMatchObject({ decision: 'deny', reason: 'no_permissions' });
  });
});

describe('holdsScope and rolePermissions', () => {
  const engine = createPolicyEngine({
    roles: [{ name: 'nothing', permissions: [] }],
    bindings: [bind(1, 'nothing', ORG), bind(2, 'agent', 'platform', 'deny')],
  });

  it('counts allow bindings at or above the scope only', () => {
    expect(engine.holdsScope(ALICE, ORG)).toBe(true);
    expect(engine.holdsScope(ALICE, TEAM)).toBe(true);
    expect(engine.holdsScope(ALICE, 'platform')).toBe(false);
    expect(engine.holdsScope(ALICE, 'bogus')).toBe(false);
    expect(engine.holdsScope('user:other', ORG)).toBe(false);
  });

  it('exposes expanded role permissions', () => {
    expect(engine.rolePermissions('nothing')?.size).toBe(0);
    expect(engine.rolePermissions('auditor')?.has('admin.audit.verify')).toBe(true);
    expect(engine.rolePermissions('ghost')).toBeUndefined();
  });
});

describe('createPolicyEngine rejects a malformed snapshot', () => {
  it.each([
    ['invalid_binding', { ...bind(1, 'agent', ORG), effect: 'permit' }],
    ['invalid_binding', { ...bind(1, 'agent', ORG), scope: 'team:0190a000-0000-7000-8000-0000000000a1' }],
    ['invalid_binding', { ...bind(1, 'agent', ORG), id: id(1).toUpperCase() }],
    ['invalid_binding', { ...bind(1, 'agent', ORG), extra: 1 }],
    ['unknown_role', bind(1, 'ghost', ORG)],
  ])('%s', (code, binding) => {
    expect(() => createPolicyEngine({ bindings: [binding as Binding] })).toThrow(
      expect.objectContaining({ name: 'PolicyConfigError', code }),
    );
  });

  it('rejects duplicate binding ids', () => {
    expect(() => createPolicyEngine({ bindings: [bind(1, 'agent', ORG), bind(1, 'viewer', TEAM)] })).toThrow(
      PolicyConfigError,
    );
  });

  it('rejects invalid roles with the role named', () => {
    expect(() => createPolicyEngine({ roles: [{ name: 'r', permissions: ['nope.*'] }], bindings: [] })).toThrow(
      /role "r".*nope/,
    );
  });
});

describe('validateBinding', () => {
  it('accepts a valid binding to a built-in or known custom role', () => {
    expect(validateBinding(bind(1, 'viewer', ORG), new Set<string>())).toMatchObject({ ok: true });
    expect(validateBinding(bind(1, 'custom', ORG), new Set(['custom']))).toMatchObject({ ok: true });
  });

  it.each([null, 'x', 42, {}, { ...bind(1, 'agent', ORG), effect: null }, { ...bind(1, 'agent', ORG), role: '' }])(
    'rejects %j as invalid_binding',
    (value) => {
      expect(validateBinding(value, new Set<string>())).toMatchObject({ ok: false, code: 'invalid_binding' });
    },
  );

  it('rejects an unknown role', () => {
    expect(validateBinding(bind(1, 'custom', ORG), new Set<string>())).toMatchObject({ code: 'unknown_role' });
  });
});
