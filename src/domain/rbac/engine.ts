/**
 * @module The policy engine: deterministic, deny-by-default resolution of (principal, permission,
 * scope) over a pre-indexed snapshot of roles and bindings (DESIGN §4), and binding validation.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { isPermission, type Permission } from './permissions.ts';
import { compileRoles, isBuiltinRole, type RoleIssueCode } from './roles.ts';
import { type Binding, BindingSchema, type Role } from './schemas.ts';
import { isScope, PLATFORM_SCOPE, scopeChain } from './scope.ts';

export type DecisionReason =
  | 'allow_binding'
  | 'deny_binding'
  | 'no_binding'
  | 'unknown_permission'
  | 'invalid_scope'
  | 'no_permissions'
  /** Allowed by a role the caller's own token names (OIDC roles claim), applied by the HTTP authorizer. */
  | 'claim_binding';

/** One authorization outcome; safe to put in an audit event as is (it holds no secrets). */
export interface Decision {
  decision: 'allow' | 'deny';
  permission: string;
  scope: string;
  binding_id: string | null;
  reason: DecisionReason;
}

export interface PolicyEngine {
  /** Never throws; anything malformed is a deny with a reason. */
  authorize(principal: string, permission: string, scope: string): Decision;
  /** Allow only when every permission is allowed; otherwise the first deny. An empty list is denied. */
  authorizeAll(principal: string, permissions: readonly string[], scope: string): Decision;
  /** The catalog permissions a role grants, includes expanded; undefined for an unknown role. */
  rolePermissions(role: string): ReadonlySet<Permission> | undefined;
  /** Whether the principal has at least one allow binding at `scope` or above it. */
  holdsScope(principal: string, scope: string): boolean;
}

export interface PolicySnapshot {
  roles?: readonly Role[];
  bindings: readonly Binding[];
}

export type PolicyIssueCode = RoleIssueCode | 'invalid_binding' | 'duplicate_binding';

/**
 * Thrown by `createPolicyEngine` when a snapshot is malformed. Snapshots come from the store, where
 * the admin API already validated every row, so this is unexpected; the caller keeps serving the
 * previous engine rather than run with a policy that silently dropped a deny.
 */
export class PolicyConfigError extends Error {
  readonly code: PolicyIssueCode;
  readonly detail: string;

  constructor(code: PolicyIssueCode, detail: string) {
    super(`invalid policy snapshot (${code}): ${detail}`);
    this.name = 'PolicyConfigError';
    this.code = code;
    this.detail = detail;
  }
}

/** The winning allow and deny binding ids at one exact scope, for one principal and permission. */
interface Verdict {
  allow: string | null;
  deny: string | null;
}

type ScopeIndex = Map<string, Verdict>;

/**
 * Builds an engine from custom roles (built-ins are always present) and bindings. Bindings are
 * folded into principal → permission → exact scope → lowest allow/deny id, so `authorize` is at most
 * five map lookups and never iterates bindings.
 */
export function createPolicyEngine(snapshot: PolicySnapshot): PolicyEngine {
  const compiled = compileRoles(snapshot.roles ?? []);
  if (!compiled.ok) throw new PolicyConfigError(compiled.code, `role "${compiled.role}": ${compiled.detail}`);
  const roles = compiled.roles;
  const index = new Map<string, Map<Permission, ScopeIndex>>();
  const allowScopes = new Map<string, Set<string>>();
  const ids = new Set<string>();

  for (const binding of snapshot.bindings) {
    checkBinding(binding, roles, ids);
    ids.add(binding.id);
    if (binding.effect === 'allow') addToSetMap(allowScopes, binding.principal, binding.scope);
    let byPermission = index.get(binding.principal);
    if (byPermission === undefined) {
      byPermission = new Map();
      index.set(binding.principal, byPermission);
    }
    for (const permission of roles.get(binding.role) as ReadonlySet<Permission>) {
      let byScope = byPermission.get(permission);
      if (byScope === undefined) {
        byScope = new Map();
        byPermission.set(permission, byScope);
      }
      recordVerdict(byScope, binding);
    }
  }

  function authorize(principal: string, permission: string, scope: string): Decision {
    if (!isPermission(permission)) return decide('deny', permission, scope, null, 'unknown_permission');
    if (!isScope(scope)) return decide('deny', permission, scope, null, 'invalid_scope');
    const byScope = index.get(principal)?.get(permission);
    const verdict = byScope === undefined ? undefined : findMostSpecific(byScope, scope);
    if (verdict === undefined) return decide('deny', permission, scope, null, 'no_binding');
    if (verdict.deny !== null) return decide('deny', permission, scope, verdict.deny, 'deny_binding');
    return decide('allow', permission, scope, verdict.allow, 'allow_binding');
  }

  function authorizeAll(principal: string, permissions: readonly string[], scope: string): Decision {
    if (permissions.length === 0) return decide('deny', '', scope, null, 'no_permissions');
    let first: Decision | null = null;
    for (const permission of permissions) {
      const decision = authorize(principal, permission, scope);
      if (decision.decision === 'deny') return decision;
      first ??= decision;
    }
    return first as Decision;
  }

  function rolePermissions(role: string): ReadonlySet<Permission> | undefined {
    return roles.get(role);
  }

  function holdsScope(principal: string, scope: string): boolean {
    const held = allowScopes.get(principal);
    if (held === undefined) return false;
    return scopeChain(scope)?.some((candidate) => held.has(candidate)) === true;
  }

  return { authorize, authorizeAll, rolePermissions, holdsScope };
}

/** Compiled once: every refresh validates every binding (measured, 20k bindings: build 400 ms → 200 ms). */
const bindingCheck = TypeCompiler.Compile(BindingSchema);

export type BindingValidation =
  | { ok: true; binding: Binding }
  | { ok: false; code: 'invalid_binding' | 'unknown_role'; detail: string };

/**
 * Checks shape (strict schema: lowercase UUIDs, canonical scope, effect `allow`/`deny`) and that the
 * role exists. `knownRoles` is anything with `has(name)` (a set of custom role names, or a compiled
 * role map); built-in roles are always known.
 */
export function validateBinding(binding: unknown, knownRoles: { has(name: string): boolean }): BindingValidation {
  if (!bindingCheck.Check(binding)) {
    const first = bindingCheck.Errors(binding).First();
    return {
      ok: false,
      code: 'invalid_binding',
      detail: `${first?.path || 'binding'}: ${first?.message ?? 'invalid'}`,
    };
  }
  if (!knownRoles.has(binding.role) && !isBuiltinRole(binding.role)) {
    return { ok: false, code: 'unknown_role', detail: `binding ${binding.id} names unknown role "${binding.role}"` };
  }
  return { ok: true, binding };
}

function checkBinding(binding: Binding, roles: ReadonlyMap<string, unknown>, ids: ReadonlySet<string>): void {
  const result = validateBinding(binding, roles);
  if (!result.ok) throw new PolicyConfigError(result.code, result.detail);
  if (ids.has(binding.id)) throw new PolicyConfigError('duplicate_binding', `binding id ${binding.id} appears twice`);
}

/** UUIDv7 ids are lowercase and time-ordered, so the lowest id is the oldest binding (RFC 9562 §5.7). */
function recordVerdict(byScope: ScopeIndex, binding: Binding): void {
  let verdict = byScope.get(binding.scope);
  if (verdict === undefined) {
    verdict = { allow: null, deny: null };
    byScope.set(binding.scope, verdict);
  }
  const current = verdict[binding.effect];
  if (current === null || binding.id < current) verdict[binding.effect] = binding.id;
}

/**
 * Scopes nest strictly, so each depth has exactly one scope covering the resource: walking
 * team → org → platform and stopping at the first hit is "the most specific candidate wins".
 */
function findMostSpecific(byScope: ScopeIndex, scope: string): Verdict | undefined {
  const exact = byScope.get(scope);
  if (exact !== undefined || scope === PLATFORM_SCOPE) return exact;
  const separator = scope.indexOf('/');
  if (separator !== -1) {
    const org = byScope.get(scope.slice(0, separator));
    if (org !== undefined) return org;
  }
  return byScope.get(PLATFORM_SCOPE);
}

function addToSetMap(map: Map<string, Set<string>>, key: string, value: string): void {
  const existing = map.get(key);
  if (existing === undefined) map.set(key, new Set([value]));
  else existing.add(value);
}

function decide(
  decision: Decision['decision'],
  permission: string,
  scope: string,
  bindingId: string | null,
  reason: DecisionReason,
): Decision {
  return { decision, permission, scope, binding_id: bindingId, reason };
}
