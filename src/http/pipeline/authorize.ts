import type { FastifyRequest } from 'fastify';
import type { AuditAuthz } from '../../domain/audit/index.ts';
import type { Principal } from '../../domain/principal.ts';
import { GatehouseError, httpError } from '../errors.ts';
import type { GatewayPipelineDeps } from './deps.ts';

/** The error for a deny: 403 `permission_denied`, or `insufficient_scope` for a token not issued for this. */
export function denialError(decision: AuditAuthz, permissions: readonly string[]): GatehouseError {
  if (decision.reason === 'insufficient_scope') {
    // RFC 6750 §3.1: the token is valid but was not issued for this; name the scope the client must ask for.
    const scope = permissions.join(' ');
    return new GatehouseError('insufficient_scope', {
      values: { scope },
      headers: { 'www-authenticate': `Bearer realm="gatehouse", error="insufficient_scope", scope="${scope}"` },
    });
  }
  return httpError('permission_denied', { permission: decision.permission ?? permissions.join(',') });
}

function decide(deps: GatewayPipelineDeps, request: FastifyRequest, principal: Principal): void {
  const context = request.gh;
  const decision = deps.authorizer.authorize(principal, context.surface, request);
  context.authz = decision;
  deps.metrics.countAuthz(context.surface.id, decision.permission ?? '', decision.decision);
  if (decision.decision !== 'allow') throw denialError(decision, context.surface.permissions);
}

/**
 * Deny by default: a surface that needs a principal gets a decision for it, and anything but an explicit allow is
 * 403. The decision, allow or deny, is kept for the audit event and counted. Admin routes first have tenant and
 * team names turned into ids (the only asynchronous step, so it alone returns a promise: the data plane stays
 * synchronous here).
 */
export function authorizeRequest(deps: GatewayPipelineDeps, request: FastifyRequest): Promise<void> | undefined {
  const { principal, surface } = request.gh;
  if (principal === null) return undefined;
  const resolveNames = deps.authorizer.resolveNames;
  if (resolveNames !== undefined && surface.path.startsWith('/admin/')) {
    return resolveNames.call(deps.authorizer, principal, request).then(() => decide(deps, request, principal));
  }
  decide(deps, request, principal);
  return undefined;
}
