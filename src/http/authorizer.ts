import type { FastifyRequest } from 'fastify';
import type { AuditAuthz } from '../domain/audit/index.ts';
import type { Principal } from '../domain/principal.ts';
import { type Decision, type Permission, type PolicyEngine, scopeChain, scopeCovers } from '../domain/rbac/index.ts';
import { claimBindingsOf, type JwtPrincipal } from '../identity/index.ts';
import { type NameLookups, resolveNames } from './names.ts';
import type { Authorizer } from './pipeline/index.ts';
import type { Surface } from './surfaces.ts';

/** The resource scope a principal acts in: its team for a key, its tenant or the platform otherwise. */
export function principalScope(principal: Principal): string {
  if (principal.tenantId === null) return 'platform';
  if (principal.teamId === null) return `org:${principal.tenantId}`;
  return `org:${principal.tenantId}/team:${principal.teamId}`;
}

/** The string a principal is bound under: `key:<id>`, `user:<id>`, `jwt:<issuer>#<sub>`. */
export function principalRef(principal: Principal): string {
  return `${principal.type}:${principal.id}`;
}

export interface ScopeLookups extends NameLookups {
  teamsOfTenant(tenantId: string): readonly string[];
  tenantOfTeam(teamId: string): string | undefined;
  teamOfKey(keyId: string): { tenantId: string; teamId: string } | undefined;
  tenantExists(tenantId: string): boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function resolveScope(
  surface: Surface,
  principal: Principal,
  params: Record<string, string>,
  lookups: ScopeLookups,
): string {
  switch (surface.scope ?? 'principal') {
    case 'principal':
      return principalScope(principal);
    case 'platform':
      return 'platform';
    case 'tenant_param': {
      const tenant = params.tenant_id ?? '';
      return UUID.test(tenant) && lookups.tenantExists(tenant) ? `org:${tenant}` : 'platform';
    }
    case 'team_param': {
      const tenant = params.tenant_id ?? '';
      const team = params.team_id ?? '';
      if (!UUID.test(team) || lookups.tenantOfTeam(team) !== tenant) {
        return UUID.test(tenant) && lookups.tenantExists(tenant) ? `org:${tenant}` : 'platform';
      }
      return `org:${tenant}/team:${team}`;
    }
    case 'team_id_param': {
      const team = params.team_id ?? '';
      const tenant = UUID.test(team) ? lookups.tenantOfTeam(team) : undefined;
      return tenant ? `org:${tenant}/team:${team}` : 'platform';
    }
    case 'key_param': {
      const owner = lookups.teamOfKey(params.key_id ?? '');
      return owner ? `org:${owner.tenantId}/team:${owner.teamId}` : 'platform';
    }
  }
}

/**
 * The policy as one principal sees it: stored bindings, plus — for a JWT — the allow bindings its roles claim
 * names. A stored explicit deny still wins over a claim (an operator can always shut out an IdP-granted role), and
 * claim roles unknown to this gateway grant nothing. Used by authorization and by the escalation guard alike, so a
 * JWT admin can grant exactly what it holds.
 */
export function policyFor(engine: PolicyEngine, principal: Principal): PolicyEngine {
  const claims = claimBindingsOf(principal);
  if (claims.length === 0) return engine;
  const self = principalRef(principal);
  const claimAllows = (permission: string, scope: string): boolean =>
    claims.some(
      (claim) => scopeCovers(claim.scope, scope) && engine.rolePermissions(claim.role)?.has(permission as Permission),
    );
  const authorize = (who: string, permission: string, scope: string): Decision => {
    const stored = engine.authorize(who, permission, scope);
    if (who !== self || stored.decision === 'allow' || stored.reason !== 'no_binding') return stored;
    if (!claimAllows(permission, scope)) return stored;
    return { decision: 'allow', permission, scope, binding_id: null, reason: 'claim_binding' };
  };
  return {
    authorize,
    authorizeAll(who, permissions, scope) {
      if (permissions.length === 0) return engine.authorizeAll(who, permissions, scope);
      let first: Decision | null = null;
      for (const permission of permissions) {
        const decision = authorize(who, permission, scope);
        if (decision.decision === 'deny') return decision;
        first ??= decision;
      }
      return first as Decision;
    },
    rolePermissions: (role) => engine.rolePermissions(role),
    holdsScope(who, scope) {
      if (engine.holdsScope(who, scope)) return true;
      if (who !== self) return false;
      const chain = scopeChain(scope) ?? [];
      return claims.some((claim) => chain.includes(claim.scope) && engine.rolePermissions(claim.role) !== undefined);
    },
  };
}

/**
 * Deny by default, resolved by the RBAC engine (DESIGN §4) at the scope of the resource. Virtual keys also hold the
 * built-in `agent` role on their own team without a stored binding (one per key would bloat the policy), and only
 * there: a key never reaches another team's resources. A stored deny binding on the key beats that implicit role,
 * as any explicit deny beats an allow. A surface that declares no permission is denied to everyone, so a forgotten
 * declaration can never open a route.
 */
export function createRbacAuthorizer(engine: () => PolicyEngine, lookups: ScopeLookups): Authorizer {
  let agentPermissions: ReadonlySet<string> | null = null;
  function decide(policy: PolicyEngine, principal: Principal, surface: Surface, request: FastifyRequest): AuditAuthz {
    const scope = resolveScope(surface, principal, request.params as Record<string, string>, lookups);
    if (surface.permissions.length === 0) {
      return { decision: 'deny', permission: null, scope, binding_id: null, reason: 'no_permissions' };
    }
    const tokenScopes = (principal as Partial<JwtPrincipal>).scopes ?? null;
    const missing = tokenScopes === null ? undefined : surface.permissions.find((p) => !tokenScopes.includes(p));
    if (missing !== undefined) {
      return { decision: 'deny', permission: missing, scope, binding_id: null, reason: 'insufficient_scope' };
    }
    const decision = policyFor(policy, principal).authorizeAll(principalRef(principal), surface.permissions, scope);
    if (
      decision.decision === 'deny' &&
      decision.reason !== 'deny_binding' &&
      principal.type === 'key' &&
      scope === principalScope(principal)
    ) {
      // Built-in roles cannot be redefined, so the agent role's permissions are the same in every snapshot.
      agentPermissions ??= policy.rolePermissions('agent') ?? new Set();
      // authorizeAll stops at the first deny; with several permissions a later one may carry an explicit deny.
      const denies =
        surface.permissions.length > 1 &&
        surface.permissions.some(
          (permission) => policy.authorize(principalRef(principal), permission, scope).reason === 'deny_binding',
        );
      if (!denies && surface.permissions.every((permission) => agentPermissions?.has(permission))) {
        return {
          decision: 'allow',
          permission: surface.permissions.join(','),
          scope,
          binding_id: null,
          reason: 'key_agent_role',
        };
      }
    }
    return {
      decision: decision.decision,
      permission: decision.permission,
      scope: decision.scope,
      binding_id: decision.binding_id,
      reason: decision.reason,
    };
  }
  /**
   * Decisions that depend only on the policy, the principal and the surface (not on path parameters) are kept per
   * principal and surface object until the policy engine is replaced. All three are immutable: a binding or role
   * change builds a new engine, a changed key gets a new principal, and a surface is a registry constant. Keyed by
   * the surface object, not its id: a caller may ask about a derived surface that shares the id but names other
   * permissions (the MCP endpoint's tool calls). Only keys' principals are snapshot objects; JWT and admin-token
   * principals are made per request and are not kept.
   */
  /**
   * A caller bound to a tenant sees that tenant; any other sees the tenants where it holds a role (at the platform,
   * the tenant or one of its teams), so a name it may not use answers as an unknown one.
   */
  function visible(principal: Principal, tenantId: string): boolean {
    if (principal.tenantId !== null) return principal.tenantId === tenantId;
    const policy = policyFor(engine(), principal);
    const who = principalRef(principal);
    const org = `org:${tenantId}`;
    return (
      policy.holdsScope(who, org) ||
      lookups.teamsOfTenant(tenantId).some((team) => policy.holdsScope(who, `${org}/team:${team}`))
    );
  }
  let cachedPolicy: PolicyEngine | null = null;
  let cached = new WeakMap<Principal, WeakMap<Surface, AuditAuthz>>();
  return {
    resolveNames(principal: Principal, request: FastifyRequest): Promise<void> {
      return resolveNames(request, principal, lookups, visible);
    },
    authorize(principal: Principal, surface: Surface, request: FastifyRequest): AuditAuthz {
      const policy = engine();
      const rule = surface.scope ?? 'principal';
      if ((rule !== 'principal' && rule !== 'platform') || principal.type !== 'key') {
        return decide(policy, principal, surface, request);
      }
      if (policy !== cachedPolicy) {
        cachedPolicy = policy;
        cached = new WeakMap();
      }
      let bySurface = cached.get(principal);
      const hit = bySurface?.get(surface);
      if (hit !== undefined) return hit;
      const decision = Object.freeze(decide(policy, principal, surface, request));
      if (bySurface === undefined) {
        bySurface = new WeakMap();
        cached.set(principal, bySurface);
      }
      bySurface.set(surface, decision);
      return decision;
    },
  };
}
