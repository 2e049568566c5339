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
];
