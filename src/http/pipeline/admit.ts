import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Admission runs once the body is parsed (token estimates need it) and before the handler touches an upstream. */
export async function admitRequest(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.gh.principal === null) return;
  const rejection = await this.gatehouse.admission.admit(request.gh, request, reply);
  if (rejection !== null) throw rejection;
  request.gh.trace?.endStage('admit');
}
