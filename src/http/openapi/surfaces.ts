import type { Surface } from '../surfaces.ts';

export const openapiSurfaces: Surface[] = [
  {
    id: 'ops.openapi',
    method: 'GET',
    path: '/openapi.json',
    auth: ['none'],
    permissions: [],
    auditMeta: [],
    classification: 'public',
    description: 'The OpenAPI 3.1 document of every route, generated from the route schemas and the surface registry.',
  },
  {
    id: 'ops.docs',
    method: 'GET',
    path: '/docs',
    auth: ['none'],
    permissions: [],
    auditMeta: [],
    classification: 'public',
    description: 'The API reference as one self-contained HTML page (no scripts, no external assets).',
  },
];
