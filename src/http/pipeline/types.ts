import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditAuthz } from '../../domain/audit/index.ts';
import type { LedgerDelta } from '../../domain/limits/index.ts';
import type { Principal } from '../../domain/principal.ts';
import type { RequestContext } from '../context.ts';
import type { GatehouseError } from '../errors.ts';
import type { Surface } from '../surfaces.ts';

/**
 * Decides whether a principal may use a surface. Returns the decision as a value (it goes into the audit event
 * either way); the pipeline turns a deny into 403. Must be fast and synchronous: it runs on every request against
 * an in-memory policy snapshot.
 */
export interface Authorizer {
  authorize(principal: Principal, surface: Surface, request: FastifyRequest): AuditAuthz;
}

/**
 * Admission control (rate limits, concurrency, budgets). `admit` runs after authorization and before the handler,
 * with the parsed body; it returns null to admit or the error to send. When an admitted request ends (finished,
 * failed or aborted), `measure` runs once with the usage recorded on the context and returns the request's ledger
 * delta, which is committed with its audit event; `settle` then corrects the shared counters, after that commit.
 * Implementations fail closed: when their state is unreachable they return a 503 error, never null.
 */
export interface Admission {
  /** `reply` receives the `x-ratelimit-*` headers of an admitted request. */
  admit(
    context: RequestContext,
    request: FastifyRequest,
    reply?: FastifyReply,
  ): Promise<GatehouseError | null> | GatehouseError | null;
  measure(context: RequestContext): LedgerDelta | null;
  settle(context: RequestContext): Promise<void> | void;
}

/** Resolves a bearer credential to a principal, or to the catalog code explaining why not. */
export interface Authenticator {
  authenticate(
    token: string,
    surface: Surface,
  ): Promise<{ ok: true; principal: Principal } | { ok: false; reason: AuthFailureCode; detail?: string }>;
}

export type AuthFailureCode =
  | 'invalid_api_key'
  | 'key_revoked'
  | 'key_expired'
  | 'identity_unavailable'
  | 'credential_not_accepted'
  | 'invalid_token'
  | 'token_expired'
  | 'session_invalid'
  | 'session_expired';

/** Accepts every request; the default until limits and budgets are configured. */
export const openAdmission: Admission = {
  admit: () => null,
  measure: () => null,
  settle: () => {},
};

/** Resolves a console session cookie to its principal and the CSRF token its writes must carry. */
export interface SessionAuthenticator {
  authenticate(
    sessionId: string,
  ): Promise<{ ok: true; principal: Principal; csrf: string } | { ok: false; reason: AuthFailureCode }>;
}
