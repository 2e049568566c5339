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
    /**
     * The schema the handler itself validates the body with, for routes that cannot hand it to fastify (a body
     * merged with the path first, a dialect's own validator). The OpenAPI document takes the body from here.
     */
    body?: object;
    /** The body is optional (an action like revoke takes none): documented as `requestBody.required: false`. */
    bodyOptional?: boolean;
    /** A route that exists only to refuse (blocked Ollama management): documented with no success answer. */
    alwaysRefused?: boolean;
  }
}
