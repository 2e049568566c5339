import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Admission runs once the body is parsed (token estimates need it) and before the handler touches an upstream. */
export async function admitRequest(this: FastifyInstance, request: FastifyRequest): Promise<void> {
  if (request.gh.principal === null) return;
  const rejection = await this.gatehouse.admission.admit(request.gh, request);
  if (rejection !== null) throw rejection;
}
