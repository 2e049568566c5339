import type { FastifyRequest } from 'fastify';
import type { AuditAuthz } from '../../domain/audit/index.ts';
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

/**
 * Deny by default: a surface that needs a principal gets a decision for it, and anything but an explicit allow is
 * 403. The decision, allow or deny, is kept for the audit event and counted.
 */
export function authorizeRequest(deps: GatewayPipelineDeps, request: FastifyRequest): void {
  const context = request.gh;
  const { principal, surface } = context;
  if (principal === null) return;
  // Only the admin API names tenants and teams; the data plane's hot path never pays for the lookup.
  if (surface.path.startsWith('/admin/')) deps.authorizer.resolveNames?.(principal, request);
  const decision = deps.authorizer.authorize(principal, surface, request);
  context.authz = decision;
  deps.metrics.countAuthz(surface.id, decision.permission ?? '', decision.decision);
  if (decision.decision !== 'allow') throw denialError(decision, surface.permissions);
}
