/**
 * @module Browser sign-in through the configured identity provider. The callback answers with a small page that
 * moves on to the console by meta refresh rather than a redirect: after a cross-site redirect chain (IdP → here)
 * browsers withhold SameSite=Strict cookies from the next hop, so the new session would look absent for one load.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ConsoleSessions, OidcLogin } from '../../../identity/index.ts';
import { LOGIN_TTL_MS } from '../../../identity/index.ts';
import { httpError } from '../../errors.ts';
import { refuseAuthentication } from '../../pipeline/index.ts';
import { clearCookie, LOGIN_COOKIE, readCookie, serializeCookie } from '../../session-cookie.ts';
import { noStore } from './headers.ts';
import { setSessionCookie } from './session.ts';

export interface OidcRoutesDeps {
  sessions: ConsoleSessions;
  /** Null when `oidc.console` is not configured: both routes answer 404 `oidc_not_configured`. */
  login: OidcLogin | null;
  issuer: string | null;
}

const CONTINUE_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed in · Gatehouse</title>' +
  '<meta http-equiv="refresh" content="0;url=/console/"></head>' +
  '<body><main><p>Signed in. <a href="/console/">Continue to the console</a>.</p></main></body></html>';

export async function oidcRoutes(app: FastifyInstance, deps: OidcRoutesDeps): Promise<void> {
  const login = {
    config: { surface: 'console.oidc.login' },
    schema: { response: { 302: Type.Null({ description: 'A redirect to the identity provider (Location).' }) } },
  };
  app.get('/console/oidc/login', login, async (_request, reply) => {
    if (deps.login === null) throw httpError('oidc_not_configured');
    let begun: { url: string; cookie: string };
    try {
      begun = await deps.login.begin();
    } catch {
      throw httpError('oidc_login_failed', { detail: 'the identity provider cannot be reached' });
    }
    noStore(reply)
      .header(
        'set-cookie',
        serializeCookie(LOGIN_COOKIE, begun.cookie, { maxAgeSeconds: LOGIN_TTL_MS / 1000, sameSite: 'Lax' }),
      )
      .redirect(begun.url, 302);
    return reply;
  });

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/console/oidc/callback',
    {
      config: { surface: 'console.oidc.callback' },
      schema: {
        querystring: {
          type: 'object',
          properties: {
            code: { type: 'string', maxLength: 2048 },
            state: { type: 'string', maxLength: 256 },
            error: { type: 'string', maxLength: 256 },
            error_description: { type: 'string', maxLength: 2048 },
            iss: { type: 'string', maxLength: 2048 },
            session_state: { type: 'string', maxLength: 2048 },
          },
          additionalProperties: false,
        },
        response: { 200: Type.String({ contentMediaType: 'text/html', description: 'Signed in: on to the console.' }) },
      },
    },
    async (request, reply) => {
      request.gh.setMeta('sign_in', 'oidc');
      if (deps.login === null || deps.issuer === null) throw httpError('oidc_not_configured');
      // Single use: whatever the outcome, this login's cookie is spent.
      reply.header('set-cookie', clearCookie(LOGIN_COOKIE, 'Lax'));
      const result = await deps.login.complete(request.query, readCookie(request.headers.cookie, LOGIN_COOKIE));
      if (!result.ok) {
        throw refuseAuthentication(app.gatehouse, request, httpError('oidc_login_failed', { detail: result.detail }));
      }
      const principal = result.principal;
      request.gh.principal = principal;
      const session = await deps.sessions.signInWithOidc({
        issuer: deps.issuer,
        subject: principal.id.slice(deps.issuer.length + 1),
        name: principal.name,
        claimBindings: principal.claimBindings,
        tenantId: principal.tenantId,
        teamId: principal.teamId,
        expiresAt: null,
      });
      setSessionCookie(reply, session.id, session.expiresAt);
      noStore(reply).type('text/html; charset=utf-8');
      return CONTINUE_PAGE;
    },
  );
}
