import type { CallBuilder, RequestContext } from './context.ts';
import type { Surface } from './surfaces.ts';

declare module 'fastify' {
  interface FastifyRequest {
    gh: RequestContext;
  }
  interface FastifyContextConfig {
    /** The surface id this route implements; required on every route (checked at startup). */
    surface?: string;
    /** Resolved from `surface` when the route is registered, so requests never look it up. */
    surfaceEntry?: Surface;
    /** Model-call routes: builds the typed call from the validated body, before admission. */
    buildCall?: CallBuilder;
  }
}
