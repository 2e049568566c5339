/**
 * @module The `http:` section: limits on what a request may carry before any route sees it, and the throttle on
 * failed authentication (issue 14). Every field has a default, so the section is optional.
 */
import { type Static, Type } from '@sinclair/typebox';

export const HttpSectionSchema = Type.Object(
  {
    /** Deepest nesting of objects and arrays a JSON body may have (400 `json_too_deep` beyond it). */
    json_max_depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    /** Longest path parameter, in characters (414 `path_parameter_too_long` beyond it). */
    max_param_length: Type.Optional(Type.Integer({ minimum: 16, maximum: 65_536 })),
    /** Longest wait at shutdown for recently used keep-alive connections to fall quiet before the listener closes. */
    drain_grace_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    auth_failure_throttle: Type.Optional(
      Type.Object(
        {
          /** Failed authentications a source address may have per interval before it is throttled. */
          failures: Type.Optional(Type.Integer({ minimum: 1 })),
          interval_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000 })),
          /** Source addresses tracked at once; past it, new sources are throttled together under one key. */
          max_sources: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export interface HttpConfig {
  jsonMaxDepth: number;
  maxParamLength: number;
  drainGraceMs: number;
  authFailureThrottle: { failures: number; intervalMs: number; maxSources: number };
}

export function resolveHttpConfig(section: Static<typeof HttpSectionSchema> | undefined): HttpConfig {
  const throttle = section?.auth_failure_throttle;
  return {
    jsonMaxDepth: section?.json_max_depth ?? 128,
    // Fastify's default is 100; vault service ids and model names stay far below, a probe of thousands does not.
    maxParamLength: section?.max_param_length ?? 256,
    drainGraceMs: section?.drain_grace_ms ?? 5_000,
    authFailureThrottle: {
      failures: throttle?.failures ?? 100,
      intervalMs: throttle?.interval_ms ?? 10_000,
      maxSources: throttle?.max_sources ?? 10_000,
    },
  };
}
