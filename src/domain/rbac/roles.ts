/**
 * @module Built-in roles, role validation and compilation of roles (with includes) into flat
 * permission sets.
 */
import { Value } from '@sinclair/typebox/value';
import { expandPermissionPattern, isPermissionPattern, type Permission } from './permissions.ts';
import { type Role, RoleSchema } from './schemas.ts';

/** What every caller of the data plane needs; the other built-ins include it rather than repeat it. */
const AGENT: Role = {
  name: 'agent',
  description: 'Data plane only: LLM calls, MCP discovery and calls, vault proxy, and reading itself.',
  permissions: ['llm.*', 'mcp.servers.read', 'mcp.tools.*', 'vault.proxy', 'identity.read'],
};

export const BUILTIN_ROLES: readonly Role[] = [
  { name: 'platform-admin', description: 'Everything, everywhere. Bind at platform scope.', permissions: ['*'] },
  {
    name: 'org-admin',
    description: 'All administration plus the data plane. Meant to be bound at org scope.',
    permissions: ['admin.*'],
    includes: ['agent'],
  },
  {
    name: 'team-admin',
    description: "A team's keys, usage, MCP policy and audit trail, plus the data plane. Bind at team scope.",
    permissions: ['admin.keys.*', 'admin.usage.read', 'admin.teams.read', 'admin.mcp.read', 'admin.audit.read'],
    includes: ['agent'],
  },
  { name: 'viewer', description: 'Read every administrative resource.', permissions: ['admin.*.read'] },
  {
    name: 'auditor',
    description: 'Read and verify the audit trail and read usage.',
    permissions: ['admin.audit.*', 'admin.usage.read'],
  },
  AGENT,
];

const BUILTIN_NAMES: ReadonlySet<string> = new Set(BUILTIN_ROLES.map((role) => role.name));

export function isBuiltinRole(name: string): boolean {
  return BUILTIN_NAMES.has(name);
}

export type RoleIssueCode =
  | 'invalid_role'
  | 'invalid_pattern'
  | 'unknown_permission'
  | 'unknown_role'
  | 'role_cycle'
  | 'builtin_role'
  | 'duplicate_role';

export type RoleValidation = { ok: true } | { ok: false; code: RoleIssueCode; detail: string };

/**
 * Validates a role definition against the roles it may include. `knownRoles` is the other custom
 * roles (built-ins are always known); an entry with the candidate's name is treated as the version
 * being replaced, so updating a role is validated against its new includes.
 */
export function validateRole(role: unknown, knownRoles: readonly Role[] = []): RoleValidation {
  const badPattern = findInvalidPattern(role);
  if (badPattern !== null) {
    return { ok: false, code: 'invalid_pattern', detail: `"${badPattern}" is not a permission pattern` };
  }
  if (!Value.Check(RoleSchema, role)) {
    const first = Value.Errors(RoleSchema, role).First();
    const where = first?.path === '' ? 'role' : (first?.path ?? 'role');
    return {
      ok: false,
      code: 'invalid_role',
      detail: `${where}: ${first?.message ?? 'does not match the role schema'}`,
    };
  }
  if (isBuiltinRole(role.name)) {
    return { ok: false, code: 'builtin_role', detail: `"${role.name}" is a built-in role and cannot be redefined` };
  }
  return validateRoleBody(role, indexRoles(knownRoles, role));
}

function findInvalidPattern(role: unknown): string | null {
  if (typeof role !== 'object' || role === null) return null;
  const permissions = (role as { permissions?: unknown }).permissions;
  if (!Array.isArray(permissions)) return null;
  for (const entry of permissions) {
    if (typeof entry === 'string' && !isPermissionPattern(entry)) return entry;
  }
  return null;
}

function indexRoles(custom: readonly Role[], candidate?: Role): Map<string, Role> {
  const byName = new Map<string, Role>();
  for (const role of BUILTIN_ROLES) byName.set(role.name, role);
  for (const role of custom) if (!BUILTIN_NAMES.has(role.name)) byName.set(role.name, role);
  if (candidate !== undefined) byName.set(candidate.name, candidate);
  return byName;
}

function validateRoleBody(role: Role, byName: ReadonlyMap<string, Role>): RoleValidation {
  for (const pattern of role.permissions) {
    const expansion = expandPermissionPattern(pattern);
    if (!expansion.ok) return expansion;
  }
  for (const included of role.includes ?? []) {
    if (!byName.has(included)) {
      return { ok: false, code: 'unknown_role', detail: `"${role.name}" includes unknown role "${included}"` };
    }
  }
  const cycle = findCycle(role.name, byName);
  if (cycle !== null) return { ok: false, code: 'role_cycle', detail: `role includes form a cycle: ${cycle}` };
  return { ok: true };
}

/**
 * Depth-first walk of the includes graph from `start`; returns the first cycle reachable from it.
 * Any reachable cycle counts, not only one through `start`: expanding the role would loop either way.
 */
function findCycle(start: string, byName: ReadonlyMap<string, Role>): string | null {
  const path: string[] = [];
  const done = new Set<string>();
  const visit = (name: string): string | null => {
    const at = path.indexOf(name);
    if (at !== -1) return [...path.slice(at), name].join(' -> ');
    if (done.has(name)) return null;
    path.push(name);
    for (const included of byName.get(name)?.includes ?? []) {
      const found = visit(included);
      if (found !== null) return found;
    }
    path.pop();
    done.add(name);
    return null;
  };
  return visit(start);
}

export type RoleCompilation =
  | { ok: true; roles: ReadonlyMap<string, ReadonlySet<Permission>> }
  | { ok: false; role: string; code: RoleIssueCode; detail: string };

/**
 * Validates the custom roles together and flattens every role (built-ins included) into the set of
 * catalog permissions it grants, includes resolved. Done once per policy snapshot.
 */
export function compileRoles(custom: readonly Role[] = []): RoleCompilation {
  const seen = new Set<string>();
  for (const role of custom) {
    const name = typeof role?.name === 'string' ? role.name : '?';
    if (seen.has(name))
      return { ok: false, role: name, code: 'duplicate_role', detail: `role "${name}" is defined twice` };
    seen.add(name);
    const result = validateRole(role, custom);
    if (!result.ok) return { ok: false, role: name, code: result.code, detail: result.detail };
  }
  const byName = indexRoles(custom);
  const compiled = new Map<string, ReadonlySet<Permission>>();
  const expand = (name: string): ReadonlySet<Permission> => {
    const cached = compiled.get(name);
    if (cached !== undefined) return cached;
    const role = byName.get(name) as Role;
    const permissions = new Set<Permission>();
    for (const pattern of role.permissions) {
      const expansion = expandPermissionPattern(pattern);
      if (expansion.ok) for (const permission of expansion.permissions) permissions.add(permission);
    }
    for (const included of role.includes ?? []) for (const permission of expand(included)) permissions.add(permission);
    compiled.set(name, permissions);
    return permissions;
  };
  for (const name of byName.keys()) expand(name);
  return { ok: true, roles: compiled };
}
