import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import type { Surface } from '../surfaces.ts';

/** What the OpenAPI document needs of one registered route: its methods, template, schemas and surface entry. */
export interface CollectedRoute {
  methods: string[];
  url: string;
  schema: FastifySchema | null;
  /** The body's schema: fastify's, or the one the handler validates with (`config.body`). */
  body: unknown;
  bodyOptional: boolean;
  /** Registered only to refuse: it has no success answer to document. */
  alwaysRefused: boolean;
  surface: Surface;
}

export interface RouteCollector {
  readonly routes: readonly CollectedRoute[];
}

/**
 * Records every route as fastify registers it. Must be attached before any family registers its routes (an
 * `onRoute` hook only sees routes added after it); `buildApp` does so right after the surface registry check, which
 * has by then attached the surface entry to the route's config.
 */
export function collectRoutes(app: FastifyInstance): RouteCollector {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', function recordRoute(route: RouteOptions) {
    const surface = route.config?.surfaceEntry as Surface | undefined;
    if (!surface) return;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter(
      (method) => method !== 'HEAD' && method !== 'OPTIONS',
    );
    routes.push({
      methods,
      url: route.url,
      schema: route.schema ?? null,
      body: route.schema?.body ?? route.config?.body,
      bodyOptional: route.config?.bodyOptional === true,
      alwaysRefused: route.config?.alwaysRefused === true,
      surface,
    });
  });
  return { routes };
}
