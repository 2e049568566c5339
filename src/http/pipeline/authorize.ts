import type { FastifyInstance, FastifyRequest } from 'fastify';
import { httpError } from '../errors.ts';

/**
 * Deny by default: a surface that needs a principal gets a decision for it, and anything but an explicit allow is
 * 403. The decision, allow or deny, is kept for the audit event and counted.
 */
export function authorizeRequest(
  this: FastifyInstance,
  request: FastifyRequest,
  _reply: unknown,
  done: (error?: Error) => void,
): void {
  const context = request.gh;
  const { principal, surface } = context;
  if (principal === null) {
    done();
    return;
  }
  const decision = this.gatehouse.authorizer.authorize(principal, surface, request);
  context.authz = decision;
  this.gatehouse.metrics.countAuthz(surface.id, decision.permission ?? '', decision.decision);
  if (decision.decision !== 'allow') {
    done(httpError('permission_denied', { permission: decision.permission ?? surface.id }));
    return;
  }
  done();
}
