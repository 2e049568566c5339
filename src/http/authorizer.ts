import type { AuditAuthz } from '../domain/audit/index.ts';
import type { Principal } from '../domain/principal.ts';
import { createPolicyEngine, type PolicyEngine } from '../domain/rbac/index.ts';
import type { Authorizer } from './pipeline/index.ts';
import type { Surface } from './surfaces.ts';

/** The resource scope a principal acts in: its team for a key, its tenant or the platform otherwise. */
export function principalScope(principal: Principal): string {
  if (principal.tenantId === null) return 'platform';
  if (principal.teamId === null) return `org:${principal.tenantId}`;
  return `org:${principal.tenantId}/team:${principal.teamId}`;
}

function deny(permission: string | null, scope: string, reason: string): AuditAuthz {
  return { decision: 'deny', permission, scope, binding_id: null, reason };
}

/**
 * Virtual keys hold the built-in `agent` role at their own team's scope: the data plane of their tenant, nothing
 * of the control plane. A surface that declares no permission is denied to every principal (deny by default), so
 * forgetting to declare one can never open a route.
 */
export function createKeyAuthorizer(engine: PolicyEngine = createPolicyEngine({ bindings: [] })): Authorizer {
  const agentPermissions = engine.rolePermissions('agent') ?? new Set<string>();
  return {
    authorize(principal: Principal, surface: Surface): AuditAuthz {
      const scope = principalScope(principal);
      const first = surface.permissions[0] ?? null;
      if (first === null) return deny(null, scope, 'no_permissions');
      if (principal.type !== 'key') return deny(first, scope, 'no_binding');
      for (const permission of surface.permissions) {
        if (!agentPermissions.has(permission as never)) return deny(permission, scope, 'no_binding');
      }
      return {
        decision: 'allow',
        permission: surface.permissions.join(','),
        scope,
        binding_id: null,
        reason: 'key_agent_role',
      };
    },
  };
}
