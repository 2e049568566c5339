/**
 * @module The escalation guard for creating bindings.
 *
 * Without it, anyone holding `admin.bindings.write` could bind `platform-admin` to themselves
 * (privilege escalation, CWE-269). A grant is allowed only when the granter could already
 * do everything the grant confers, at that scope. Whether the granter may write bindings at all is
 * the caller's separate `admin.bindings.write` check.
 */
import type { PolicyEngine } from './engine.ts';
import { isScope } from './scope.ts';

export interface GrantRequest {
  role: string;
  scope: string;
}

export type GrantCheck =
  | { ok: true }
  | {
      ok: false;
      code: 'unknown_role' | 'invalid_scope' | 'scope_not_held' | 'permission_not_held';
      detail: string;
      /** The first permission the granter lacks, for `permission_not_held`. */
      permission?: string;
    };

/**
 * Checks that `granter` holds, at `grant.scope`, every permission `grant.role` expands to, and holds
 * that scope at all (which also covers roles granting nothing). Applies equally to deny bindings:
 * a deny is still a say over others' access the granter must already have.
 */
export function checkGrant(engine: PolicyEngine, granter: string, grant: GrantRequest): GrantCheck {
  const permissions = engine.rolePermissions(grant.role);
  if (permissions === undefined) return { ok: false, code: 'unknown_role', detail: `unknown role "${grant.role}"` };
  if (!isScope(grant.scope)) return { ok: false, code: 'invalid_scope', detail: `"${grant.scope}" is not a scope` };
  if (!engine.holdsScope(granter, grant.scope)) {
    return { ok: false, code: 'scope_not_held', detail: `${granter} holds no role at or above ${grant.scope}` };
  }
  for (const permission of [...permissions].sort()) {
    const decision = engine.authorize(granter, permission, grant.scope);
    if (decision.decision === 'deny') {
      return {
        ok: false,
        code: 'permission_not_held',
        detail: `${granter} lacks ${permission} at ${grant.scope} (${decision.reason}); role "${grant.role}" grants it`,
        permission,
      };
    }
  }
  return { ok: true };
}
