import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { JsonObject } from '../../domain/routing/index.ts';
import { InvalidBodyError } from './types.ts';

export type BodyValidator = (body: unknown) => JsonObject;

/**
 * Compiles a body schema once, at startup. Validation does not go through Fastify's Ajv, whose default type
 * coercion rewrites values (`["hi"]` → `"hi"`): model bodies must reach same-dialect upstreams untouched.
 * Throws `InvalidBodyError` naming the first field at fault.
 */
export function createBodyValidator(schema: TSchema): BodyValidator {
  const checker = TypeCompiler.Compile(schema);
  return function validateBody(body) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new InvalidBodyError('the body must be a JSON object');
    }
    if (checker.Check(body)) return body as JsonObject;
    const first = checker.Errors(body).First();
    const param = first?.path ? first.path.slice(1).replaceAll('/', '.') : null;
    throw new InvalidBodyError(`${param ?? 'body'}: ${first?.message ?? 'is invalid'}`, param);
  };
}
