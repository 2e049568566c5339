import type { Surface } from '../../surfaces.ts';

export const identitySurfaces: Surface[] = [
  {
    id: 'identity.whoami',
    method: 'GET',
    path: '/gatehouse/v1/whoami',
    auth: ['key'],
    permissions: ['identity.read'],
    auditMeta: [],
    classification: 'internal',
    description: 'The calling key: id, tenant, team, name, expiry (never the key).',
  },
];
