import type { FastifyRequest } from 'fastify';
import type { AuditAuthz } from '../../domain/audit/index.ts';
import type { Principal } from '../../domain/principal.ts';
import type { Surface } from '../surfaces.ts';

/**
 * Decides whether a principal may use a surface. Returns the decision as a value (it goes into the audit event
 * either way); the pipeline turns a deny into 403. `authorize` must be fast and synchronous: it runs on every
 * request against an in-memory policy snapshot.
 */
export interface Authorizer {
  authorize(principal: Principal, surface: Surface, request: FastifyRequest): AuditAuthz;
  /** Turns tenant and team names in an admin request into ids before `authorize` reads them; absent: ids only. */
  resolveNames?(principal: Principal, request: FastifyRequest): Promise<void>;
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

/** Resolves a console session cookie to its principal and the CSRF token its writes must carry. */
export interface SessionAuthenticator {
  authenticate(
    sessionId: string,
  ): Promise<{ ok: true; principal: Principal; csrf: string } | { ok: false; reason: AuthFailureCode }>;
}
