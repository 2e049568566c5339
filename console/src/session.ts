/**
 * @module Who is signed in and what they may do. The gateway lists, per scope where the principal holds a
 * binding, the admin permissions it resolves to there; a resource at scope S is governed by the most specific
 * listed scope covering S. The console offers only what that allows (the API enforces it regardless).
 */
import type { Answer } from './api.ts';

export type SessionShape = Answer<'console.session.get'>;

/** `platform` ⊃ `org:T` ⊃ `org:T/team:M`, the chain from the scope up. */
export function scopeChain(scope: string): string[] {
  if (scope === 'platform') return ['platform'];
  const team = scope.indexOf('/team:');
  return team === -1 ? [scope, 'platform'] : [scope, scope.slice(0, team), 'platform'];
}

export function tenantScope(tenantId: string): string {
  return `org:${tenantId}`;
}

export function teamScope(tenantId: string, teamId: string): string {
  return `org:${tenantId}/team:${teamId}`;
}

/** Whether the session's principal may use `permission` on a resource at `scope`. */
export function can(session: SessionShape, permission: string, scope: string): boolean {
  for (const link of scopeChain(scope)) {
    const grant = session.grants.find((g) => g.scope === link);
    if (grant) return grant.permissions.includes(permission);
  }
  return false;
}

/** Whether the principal may use `permission` anywhere (to decide which pages to list). */
export function canAnywhere(session: SessionShape, permission: string): boolean {
  return session.grants.some((grant) => grant.permissions.includes(permission));
}

/** The tenants and teams the principal's grants name: where a scoped admin starts. */
export function grantedScopes(session: SessionShape): Array<{ tenantId: string; teamId: string | null }> {
  const scopes: Array<{ tenantId: string; teamId: string | null }> = [];
  for (const { scope } of session.grants) {
    const match = /^org:([^/]+)(?:\/team:(.+))?$/.exec(scope);
    if (match?.[1]) scopes.push({ tenantId: match[1], teamId: match[2] ?? null });
  }
  return scopes;
}
