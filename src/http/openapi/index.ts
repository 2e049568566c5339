/**
 * @module `GET /openapi.json` and `GET /docs`: the API described from the registered routes themselves. Both are
 * built once, on first request after startup (every route is registered by then), and served from memory.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../../version.ts';
import type { RouteCollector } from './collector.ts';
import { buildOpenApiDocument } from './document.ts';
import { renderDocsHtml } from './render-html.ts';

export interface OpenApiRoutesOptions {
  collector: RouteCollector;
  publicUrl?: string | null;
}

// No script may run and nothing may load from elsewhere: the page is static HTML with inline CSS.
const DOCS_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

export async function openapiRoutes(app: FastifyInstance, options: OpenApiRoutesOptions): Promise<void> {
  let json: string | null = null;
  let html: string | null = null;
  const documentJson = (): string => {
    json ??= JSON.stringify(
      buildOpenApiDocument(options.collector.routes, { version: VERSION, publicUrl: options.publicUrl }),
    );
    return json;
  };

  const documentSchema = Type.Object({}, { additionalProperties: true, description: 'An OpenAPI 3.1 document.' });
  const page = Type.String({ contentMediaType: 'text/html', description: 'The reference page.' });
  app.get(
    '/openapi.json',
    { config: { surface: 'ops.openapi' }, schema: { response: { 200: documentSchema } } },
    async (_request, reply) => {
      reply.type('application/json; charset=utf-8');
      return documentJson();
    },
  );

  app.get(
    '/docs',
    { config: { surface: 'ops.docs' }, schema: { response: { 200: page } } },
    async (_request, reply) => {
      html ??= renderDocsHtml(JSON.parse(documentJson()) as Record<string, unknown>);
      reply.type('text/html; charset=utf-8').header('content-security-policy', DOCS_CSP);
      return html;
    },
  );
}

export { type CollectedRoute, collectRoutes, type RouteCollector } from './collector.ts';
export { buildOpenApiDocument, type OpenApiOptions, toOpenApiPath } from './document.ts';
export { renderDocsHtml } from './render-html.ts';
export { openapiSurfaces } from './surfaces.ts';
