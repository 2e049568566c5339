import type { Surface } from '../../surfaces.ts';

export const opsSurfaces: Surface[] = [
  {
    id: 'ops.healthz',
    method: 'GET',
    path: '/healthz',
    auth: ['none'],
    permissions: [],
    auditMeta: [],
    classification: 'public',
    description: 'Liveness: the process is up.',
  },
  {
    id: 'ops.readyz',
    method: 'GET',
    path: '/readyz',
    auth: ['none'],
    permissions: [],
    auditMeta: [],
    classification: 'public',
    description: 'Readiness: store reachable, migrations applied, audit writer healthy.',
  },
  {
    id: 'ops.metrics',
    method: 'GET',
    path: '/metrics',
    auth: ['none'],
    permissions: [],
    auditMeta: [],
    classification: 'internal',
    description: 'Prometheus metrics.',
  },
];
