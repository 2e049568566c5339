import type { FastifyInstance, FastifyRequest } from 'fastify';

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
  app.get('/gatehouse/v1/whoami', { config: { surface: 'identity.whoami' } }, async (request) =>
    describeCaller(request),
  );
}
