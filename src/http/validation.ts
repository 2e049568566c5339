import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Two validators. Bodies are JSON and must already have the right types: no coercion (`"60"` is not 60) and no
 * silent removal of unknown fields (fastify's default strips them; strict schemas must reject them instead).
 * Query strings and path parameters are text by nature, so they are coerced.
 */
const bodyAjv = new Ajv({
  coerceTypes: false,
  removeAdditional: false,
  useDefaults: true,
  allErrors: false,
  strict: false,
});
const textAjv = new Ajv({
  coerceTypes: 'array',
  removeAdditional: false,
  useDefaults: true,
  allErrors: false,
  strict: false,
});

/** Fastify calls the returned function and, when it returns false, reads its `errors` (Ajv's own contract). */
export const compileValidator: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object) as ValidateFunction;

/**
 * Response schemas document what a route answers (OpenAPI, the generated client) and are checked in tests; they
 * never shape the bytes. fastify would otherwise compile them into fast-json-stringify serializers, which drop
 * undeclared fields and turn a null into "" for a string property: a schema mistake would corrupt answers silently.
 */
export function serializeJson(): (data: unknown) => string {
  return (data) => JSON.stringify(data);
}

const responseAjv = new Ajv({ coerceTypes: false, removeAdditional: false, allErrors: true, strict: false });
// RFC 3339 date-time, as `Date#toISOString` writes it and as clients parse it.
responseAjv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
const responseValidators = new WeakMap<object, ValidateFunction>();

/**
 * Checks a sent payload against the route's response schema for its status: null when it conforms (or the route
 * declares no schema for that status), else Ajv's error text. Used by `validateResponses` (tests), not in
 * production, where the cost would fall on every admin answer.
 */
export function checkResponse(schema: unknown, payload: unknown, contentType: string | undefined): string | null {
  if (schema === undefined || schema === null || typeof schema !== 'object') return null;
  if ((schema as { type?: unknown }).type === 'null') {
    return payload === undefined || payload === null || payload === '' ? null : 'a 204 answer carries a body';
  }
  // Text and binary answers (pages, assets, exports) are documented by media type; their bytes are not JSON.
  if ((schema as { type?: unknown }).type === 'string' && !contentType?.startsWith('application/json')) {
    return typeof payload === 'string' || Buffer.isBuffer(payload) || payload === null ? null : 'expected a text body';
  }
  let value: unknown = payload;
  if (typeof payload === 'string' && contentType?.startsWith('application/json')) {
    try {
      value = JSON.parse(payload);
    } catch {
      return 'the body is not JSON';
    }
  }
  let validate = responseValidators.get(schema);
  if (!validate) {
    validate = responseAjv.compile(schema);
    responseValidators.set(schema, validate);
  }
  return validate(value) ? null : responseAjv.errorsText(validate.errors);
}
