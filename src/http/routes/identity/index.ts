import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const PrincipalView = Type.Object(
  {
    object: Type.Literal('principal'),
    type: Type.String(),
    id: Type.String(),
    name: Type.String(),
    tenant_id: Type.Union([Type.String(), Type.Null()]),
    team_id: Type.Union([Type.String(), Type.Null()]),
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
);

function describeCaller(request: FastifyRequest) {
  const principal = request.gh.principal;
  if (principal === null) throw new Error('whoami reached without a principal');
  return {
    object: 'principal',
    type: principal.type,
    id: principal.id,
    name: principal.name,
    tenant_id: principal.tenantId,
    team_id: principal.teamId,
    expires_at: principal.expiresAt === null ? null : new Date(principal.expiresAt).toISOString(),
  };
}

export async function identityRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/gatehouse/v1/whoami',
    { config: { surface: 'identity.whoami' }, schema: { response: { 200: PrincipalView } } },
    async (request) => describeCaller(request),
  );
}
