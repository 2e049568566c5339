import type { Surface } from '../../surfaces.ts';

export const usageSurfaces: Surface[] = [
  {
    id: 'admin.usage.read',
    method: 'GET',
    path: '/admin/v1/usage',
    auth: ['admin_token', 'jwt'],
    permissions: ['admin.usage.read'],
    // The caller's own scope: platform users see every tenant, a tenant's users only their tenant (enforced again
    // on the query in report.ts, since the filters arrive in the query string, not the path).
    scope: 'principal',
    auditMeta: ['group_by', 'rows'],
    classification: 'confidential',
    description: 'Usage and cost from the spend ledger, per UTC day, tenant, team, key and model.',
  },
  {
    id: 'admin.team_usage.read',
    method: 'GET',
    path: '/admin/v1/tenants/:tenant_id/teams/:team_id/usage',
    auth: ['admin_token', 'jwt'],
    permissions: ['admin.usage.read'],
    // Authorized at the team in the path, so a team admin (bound at its team) can read its own team's usage.
    scope: 'team_param',
    auditMeta: ['group_by', 'rows'],
    classification: 'confidential',
    description: "One team's usage and cost from the spend ledger.",
  },
];
