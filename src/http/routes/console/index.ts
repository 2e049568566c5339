/**
 * @module The web console at `/console`: its page and prebuilt assets, sign-in (admin token, or OIDC authorization
 * code with PKCE), the session, and sign-out. Everything else the console shows comes from the admin API, called
 * with the session cookie under the same RBAC as any admin credential.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { httpError } from '../../errors.ts';
import { type ConsoleAsset, type ConsoleAssets, DEFAULT_ASSETS_DIR, loadConsoleAssets } from './assets.ts';
import { securityHeaders } from './headers.ts';
import { type OidcRoutesDeps, oidcRoutes } from './oidc.ts';
import { type SessionRoutesDeps, sessionRoutes } from './session.ts';

export interface ConsoleRoutesOptions extends SessionRoutesDeps, OidcRoutesDeps {
  /** The build output (`console/dist`); tests and packaged builds may point elsewhere. */
  assetsDir?: string;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: ConsoleAsset): FastifyReply | Buffer {
  securityHeaders(reply)
    .type(asset.type)
    .header('etag', asset.etag)
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('vary', 'accept-encoding');
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  const accepts = request.headers['accept-encoding'] ?? '';
  if (asset.br && /\bbr\b/.test(accepts)) return reply.header('content-encoding', 'br').send(asset.br);
  if (asset.gzip && /\bgzip\b/.test(accepts)) return reply.header('content-encoding', 'gzip').send(asset.gzip);
  return asset.body;
}

const Page = Type.String({ contentMediaType: 'text/html', description: 'The console (a single-page app).' });
const Asset = Type.String({
  contentMediaType: 'application/octet-stream',
  description: 'A page of the console (`text/html`), or a content-hashed script, stylesheet or image.',
});

export async function consoleRoutes(app: FastifyInstance, options: ConsoleRoutesOptions): Promise<void> {
  const assets: ConsoleAssets | null = loadConsoleAssets(options.assetsDir ?? DEFAULT_ASSETS_DIR, {
    oidc: options.login !== null,
  });
  const page = (request: FastifyRequest, reply: FastifyReply) => {
    if (assets === null) throw httpError('console_unavailable');
    return send(request, reply, assets.page);
  };

  const redirect = Type.Null({ description: 'A redirect to `/console/`.' });
  app.get(
    '/',
    { config: { surface: 'console.root' }, schema: { response: { 302: redirect } } },
    async (_request, reply) => reply.redirect('/console/', 302),
  );
  app.get(
    '/console',
    { config: { surface: 'console.page' }, schema: { response: { 200: Page } } },
    async (request, reply) => page(request, reply),
  );
  app.get<{ Params: { '*': string } }>(
    '/console/*',
    { config: { surface: 'console.asset' }, schema: { response: { 200: Asset } } },
    async (request, reply) => {
      const path = request.params['*'];
      const file = assets?.files.get(path);
      if (file) {
        request.gh.setMeta('asset', path);
        return send(request, reply, file);
      }
      // A missing hashed asset is a real 404 (an old page after a deploy); any other path is a page of the app.
      if (path.startsWith('assets/')) throw httpError('resource_not_found', { detail: `No console asset ${path}` });
      return page(request, reply);
    },
  );
  await sessionRoutes(app, options);
  await oidcRoutes(app, options);
}
