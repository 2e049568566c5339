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
