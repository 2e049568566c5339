/**
 * @module Sign-in with a pasted admin token, the session's own view, and sign-out. The token travels once, in the
 * sign-in body; from then on the browser holds only the HttpOnly session cookie.
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../../domain/principal.ts';
import { PERMISSIONS, PLATFORM_SCOPE, type PolicyEngine } from '../../../domain/rbac/index.ts';
import { type ConsoleSessions, claimBindingsOf, type SessionAuthResult } from '../../../identity/index.ts';
import { policyFor, principalRef, principalScope } from '../../authorizer.ts';
import { httpError } from '../../errors.ts';
import { checkCsrf, refuseAuthentication } from '../../pipeline/index.ts';
import { clearCookie, readCookie, SESSION_COOKIE, serializeCookie } from '../../session-cookie.ts';
import { NoContent } from '../admin/responses.ts';
import { noStore } from './headers.ts';

export const SignInBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 4096, description: 'An admin API token (`gha_…`).' }) },
  { additionalProperties: false },
);

// `prompts.read` sits outside admin.* on purpose (no built-in role holds it) but the console offers the prompt log
// to whoever was granted it, so it is listed too.
const ADMIN_PERMISSIONS = PERMISSIONS.map((entry) => entry.name).filter(
  (name) => name.startsWith('admin.') || name === 'prompts.read',
);

export const SessionGrant = Type.Object({
  scope: Type.String(),
  permissions: Type.Array(Type.String()),
});

export const SessionView = Type.Object({
  object: Type.Literal('console_session'),
  kind: Type.Union([Type.Literal('token'), Type.Literal('oidc')]),
  principal: Type.Object({
    type: Type.String(),
    id: Type.String(),
    name: Type.String(),
    tenant_id: Type.Union([Type.String(), Type.Null()]),
    team_id: Type.Union([Type.String(), Type.Null()]),
  }),
  csrf_token: Type.String({ description: 'Send as `x-gatehouse-csrf` on every write made with this session.' }),
  expires_at: Type.String({ format: 'date-time' }),
  grants: Type.Array(SessionGrant, {
    description:
      'For each scope where the principal holds a binding, the admin permissions (and `prompts.read`) it resolves to there. A resource ' +
      'at scope S is governed by the most specific listed scope that covers S; none covering it means no access.',
  }),
});

export interface SessionRoutesDeps {
  sessions: ConsoleSessions;
  engine(): PolicyEngine;
  bindingScopes(principalRef: string): Promise<string[]>;
}

/** What the principal may do at each scope it holds a binding at: the console offers only these. */
async function grantsOf(deps: SessionRoutesDeps, principal: Principal): Promise<Static<typeof SessionGrant>[]> {
  const ref = principalRef(principal);
  const scopes = new Set([
    ...(await deps.bindingScopes(ref)),
    ...claimBindingsOf(principal).map((b) => b.scope),
    principalScope(principal),
  ]);
  const policy = policyFor(deps.engine(), principal);
  const grants = [...scopes].map((scope) => ({
    scope,
    permissions: ADMIN_PERMISSIONS.filter((p) => policy.authorize(ref, p, scope).decision === 'allow'),
  }));
  return grants.sort((a, b) =>
    a.scope === PLATFORM_SCOPE ? -1 : b.scope === PLATFORM_SCOPE ? 1 : a.scope.localeCompare(b.scope),
  );
}

/**
 * The cookie's session, with its principal recorded for the audit event; a missing or dead one is a 401, counted
 * by the failed-authentication throttle like any other.
 */
async function resolveSession(
  sessions: ConsoleSessions,
  request: FastifyRequest,
): Promise<{ id: string; result: Extract<SessionAuthResult, { ok: true }> }> {
  const id = readCookie(request.headers.cookie, SESSION_COOKIE);
  if (id === null) throw refuseAuthentication(request.server.gatehouse, request, httpError('session_invalid'));
  const result = await sessions.authenticate(id);
  if (!result.ok) throw refuseAuthentication(request.server.gatehouse, request, httpError(result.reason));
  request.gh.principal = result.principal;
  return { id, result };
}

export async function sessionRoutes(app: FastifyInstance, deps: SessionRoutesDeps): Promise<void> {
  const { sessions } = deps;

  app.post<{ Body: Static<typeof SignInBody> }>(
    '/console/session',
    { config: { surface: 'console.session.create' }, schema: { body: SignInBody, response: { 201: SessionView } } },
    async (request, reply) => {
      request.gh.setMeta('sign_in', 'token');
      const signedIn = await sessions.signInWithToken(request.body.token);
      // A pasted token is a guess like a bearer one: throttled per source address.
      if (!signedIn.ok) throw refuseAuthentication(app.gatehouse, request, httpError(signedIn.reason));
      request.gh.principal = signedIn.principal;
      setSessionCookie(reply, signedIn.session.id, signedIn.session.expiresAt);
      noStore(reply).code(201);
      return {
        object: 'console_session',
        kind: 'token',
        principal: describePrincipal(signedIn.principal),
        csrf_token: signedIn.session.csrf,
        expires_at: new Date(signedIn.session.expiresAt).toISOString(),
        grants: await grantsOf(deps, signedIn.principal),
      };
    },
  );

  const get = { config: { surface: 'console.session.get' }, schema: { response: { 200: SessionView } } };
  app.get('/console/session', get, async (request, reply) => {
    const { result } = await resolveSession(sessions, request);
    request.gh.setMeta('sign_in', result.kind);
    noStore(reply);
    return {
      object: 'console_session',
      kind: result.kind,
      principal: describePrincipal(result.principal),
      csrf_token: result.csrf,
      expires_at: new Date(result.expiresAt).toISOString(),
      grants: await grantsOf(deps, result.principal),
    };
  });

  const remove = { config: { surface: 'console.session.delete' }, schema: { response: { 204: NoContent } } };
  app.delete('/console/session', remove, async (request, reply) => {
    const { id, result } = await resolveSession(sessions, request);
    request.gh.setMeta('sign_in', result.kind);
    checkCsrf(request, result.csrf);
    await sessions.signOut(id);
    return noStore(reply).header('set-cookie', clearCookie(SESSION_COOKIE, 'Strict')).code(204).send();
  });
}

export function setSessionCookie(reply: FastifyReply, id: string, expiresAt: number): void {
  reply.header(
    'set-cookie',
    serializeCookie(SESSION_COOKIE, id, { maxAgeSeconds: (expiresAt - Date.now()) / 1000, sameSite: 'Strict' }),
  );
}

function describePrincipal(principal: Principal) {
  return {
    type: principal.type,
    id: principal.id,
    name: principal.name,
    tenant_id: principal.tenantId,
    team_id: principal.teamId,
  };
}
