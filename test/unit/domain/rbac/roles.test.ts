import { describe, expect, it } from 'vitest';
import {
  BUILTIN_ROLES,
  compileRoles,
  isBuiltinRole,
  PERMISSIONS,
  type Role,
  validateRole,
} from '../../../../src/domain/rbac/index.ts';

const ALL = PERMISSIONS.map((entry) => entry.name);
const DATA_PLANE = [
  'llm.chat',
  'llm.completions',
  'llm.responses',
  'llm.messages',
  'llm.embeddings',
  'llm.models.read',
  'mcp.servers.read',
  'mcp.tools.read',
  'mcp.tools.call',
  'vault.proxy',
  'identity.read',
];
const ADMIN = ALL.filter((name) => name.startsWith('admin.'));
const ADMIN_READS = ADMIN.filter((name) => name.endsWith('.read'));

function compiled(custom: readonly Role[] = []): ReadonlyMap<string, ReadonlySet<string>> {
  const result = compileRoles(custom);
  if (!result.ok) throw new Error(result.detail);
  return result.roles;
}

function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

describe('built-in roles, per permission family', () => {
  const roles = compiled();
  const expected: Record<string, string[]> = {
    'platform-admin': ALL,
    'org-admin': [...ADMIN, ...DATA_PLANE],
    'team-admin': [
      'admin.keys.read',
      'admin.keys.write',
      'admin.usage.read',
      'admin.teams.read',
      'admin.mcp.read',
      'admin.audit.read',
      ...DATA_PLANE,
    ],
    viewer: ADMIN_READS,
    auditor: ['admin.audit.read', 'admin.audit.verify', 'admin.usage.read'],
    agent: DATA_PLANE,
  };

  it('defines exactly the six documented roles, all valid', () => {
    expect(sorted(BUILTIN_ROLES.map((role) => role.name))).toEqual(sorted(Object.keys(expected)));
    expect(sorted(roles.keys())).toEqual(sorted(Object.keys(expected)));
  });

  it.each(Object.entries(expected))('%s grants exactly its permissions', (name, permissions) => {
    expect(sorted(roles.get(name) ?? [])).toEqual(sorted(permissions));
  });

  it('keeps ops metrics and the data plane away from viewer and auditor', () => {
    for (const name of ['viewer', 'auditor']) {
      const granted = roles.get(name);
      expect(granted?.has('ops.metrics.read')).toBe(false);
      for (const permission of DATA_PLANE) expect(granted?.has(permission)).toBe(false);
    }
    expect(roles.get('org-admin')?.has('ops.metrics.read')).toBe(false);
  });

  it('gives no built-in but platform-admin and org-admin any write outside keys', () => {
    const writes = ADMIN.filter((name) => name.endsWith('.write') && name !== 'admin.keys.write');
    for (const name of ['team-admin', 'viewer', 'auditor', 'agent']) {
      for (const write of writes) expect(roles.get(name)?.has(write), `${name} ${write}`).toBe(false);
    }
  });

  it('reports built-in names', () => {
    expect(isBuiltinRole('viewer')).toBe(true);
    expect(isBuiltinRole('custom')).toBe(false);
  });
});

describe('validateRole', () => {
  it('accepts a role including built-ins and other custom roles', () => {
    const base: Role = { name: 'base', permissions: ['llm.chat'] };
    expect(
      validateRole({ name: 'derived', permissions: ['admin.*.read'], includes: ['base', 'agent'] }, [base]),
    ).toEqual({
      ok: true,
    });
  });

  it.each([
    [{ name: 'r', permissions: ['llm*'] }, 'invalid_pattern'],
    [{ name: 'r', permissions: ['llm.chat', '*.'] }, 'invalid_pattern'],
    [{ name: 'r', permissions: ['llm.chat.stream'] }, 'unknown_permission'],
    [{ name: 'r', permissions: ['billing.*'] }, 'unknown_permission'],
    [{ name: 'r', permissions: [], includes: ['ghost'] }, 'unknown_role'],
    [{ name: 'r', permissions: [], includes: ['r'] }, 'role_cycle'],
    [{ name: 'viewer', permissions: ['*'] }, 'builtin_role'],
    [{ name: 'r', description: null, permissions: [] }, 'invalid_role'],
    [{ name: 'r', permissions: [], extra: true }, 'invalid_role'],
    [{ name: 'R', permissions: [] }, 'invalid_role'],
    [{ name: 'r', permissions: [1] }, 'invalid_role'],
    [{ name: 'r' }, 'invalid_role'],
    [null, 'invalid_role'],
    ['r', 'invalid_role'],
    [[], 'invalid_role'],
  ])('rejects %j with %s', (role, code) => {
    const result = validateRole(role);
    expect(result).toMatchObject({ ok: false, code });
    expect(result.ok === false && result.detail.length > 0).toBe(true);
  });

  it('detects a cycle through other roles and names its path', () => {
    const known: Role[] = [
      { name: 'a', permissions: [], includes: ['b'] },
      { name: 'b', permissions: [], includes: ['c'] },
    ];
    const result = validateRole({ name: 'c', permissions: ['llm.chat'], includes: ['a'] }, known);
    expect(result).toEqual({ ok: false, code: 'role_cycle', detail: 'role includes form a cycle: c -> a -> b -> c' });
  });

  it('detects a cycle reachable from the role even when it does not pass through it', () => {
    const known: Role[] = [
      { name: 'a', permissions: [], includes: ['b'] },
      { name: 'b', permissions: [], includes: ['a'] },
    ];
    expect(validateRole({ name: 'c', permissions: [], includes: ['a'] }, known)).toMatchObject({ code: 'role_cycle' });
  });

  it('validates an update against the new version, not the stored one', () => {
    const known: Role[] = [
      { name: 'a', permissions: [], includes: ['b'] },
      { name: 'b', permissions: [], includes: ['c'] },
      { name: 'c', permissions: ['llm.chat'] },
    ];
    expect(validateRole({ name: 'c', permissions: [], includes: ['a'] }, known)).toMatchObject({ code: 'role_cycle' });
    expect(validateRole({ name: 'a', permissions: ['llm.chat'] }, known)).toEqual({ ok: true });
  });

  it('allows a diamond (shared includes are not a cycle)', () => {
    const known: Role[] = [
      { name: 'left', permissions: ['llm.chat'], includes: ['agent'] },
      { name: 'right', permissions: ['llm.embeddings'], includes: ['agent'] },
    ];
    expect(validateRole({ name: 'top', permissions: [], includes: ['left', 'right'] }, known)).toEqual({ ok: true });
  });
});

describe('compileRoles', () => {
  it('flattens includes transitively', () => {
    const roles = compiled([
      { name: 'chat', permissions: ['llm.chat'] },
      { name: 'chat-and-audit', permissions: ['admin.audit.read'], includes: ['chat'] },
      { name: 'top', permissions: [], includes: ['chat-and-audit', 'auditor'] },
    ]);
    expect(sorted(roles.get('top') ?? [])).toEqual(
      sorted(['llm.chat', 'admin.audit.read', 'admin.audit.verify', 'admin.usage.read']),
    );
  });

  it('rejects duplicates, cycles, unknown includes and redefined built-ins', () => {
    expect(
      compileRoles([
        { name: 'x', permissions: [] },
        { name: 'x', permissions: ['llm.chat'] },
      ]),
    ).toMatchObject({ ok: false, role: 'x', code: 'duplicate_role' });
    expect(
      compileRoles([
        { name: 'x', permissions: [], includes: ['y'] },
        { name: 'y', permissions: [], includes: ['x'] },
      ]),
    ).toMatchObject({ ok: false, role: 'x', code: 'role_cycle' });
    expect(compileRoles([{ name: 'x', permissions: [], includes: ['nope'] }])).toMatchObject({ code: 'unknown_role' });
    expect(compileRoles([{ name: 'agent', permissions: ['*'] }])).toMatchObject({ code: 'builtin_role' });
  });
});
