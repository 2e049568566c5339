import type { BindingRecord, KeyRecord, TeamRecord, TenantRecord, UserRecord } from '../store/index.ts';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function keyStatus(key: KeyRecord, now = Date.now()): 'active' | 'revoked' | 'expired' | 'rotating' {
  if (key.revokedAt !== null && key.revokedAt <= now) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  if (key.rotatedTo !== null) return 'rotating';
  return 'active';
}

/** The public view of a key, shared by the CLI and the admin API: everything but the hash. */
export function describeKey(key: KeyRecord) {
  return {
    object: 'key' as const,
    id: key.id,
    prefix: key.prefix,
    name: key.name,
    tenant_id: key.tenantId,
    team_id: key.teamId,
    status: keyStatus(key),
    settings: key.settings,
    created_at: iso(key.createdAt),
    expires_at: iso(key.expiresAt),
    revoked_at: iso(key.revokedAt),
    rotated_to: key.rotatedTo,
  };
}

export function describeTenant(tenant: TenantRecord) {
  return {
    object: 'tenant' as const,
    id: tenant.id,
    name: tenant.name,
    settings: tenant.settings,
    created_at: iso(tenant.createdAt),
  };
}

export function describeTeam(team: TeamRecord) {
  return {
    object: 'team' as const,
    id: team.id,
    tenant_id: team.tenantId,
    name: team.name,
    settings: team.settings,
    created_at: iso(team.createdAt),
  };
}

export function describeUser(user: UserRecord) {
  return {
    object: 'user' as const,
    id: user.id,
    email: user.email,
    name: user.name,
    tenant_id: user.tenantId,
    created_at: iso(user.createdAt),
    disabled: user.disabledAt !== null,
  };
}

export function describeBinding(binding: BindingRecord) {
  return {
    object: 'binding' as const,
    id: binding.id,
    principal: binding.principal,
    role: binding.role,
    scope: binding.scope,
    effect: binding.effect,
    created_by: binding.createdBy,
    created_at: iso(binding.createdAt),
  };
}
