import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { httpError } from '../../errors.ts';

export type BodyValidator = (body: unknown) => Record<string, unknown>;

/**
 * Compiles a body schema once, at startup. Validation runs in the handler rather than through Fastify's Ajv,
 * whose default type coercion rewrites values (`["hi"]` → `"hi"`), and LLM bodies must pass through untouched.
 */
export function createBodyValidator(schema: TSchema): BodyValidator {
  const checker = TypeCompiler.Compile(schema);
  return function validateBody(body) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw httpError('invalid_request', { detail: 'the body must be a JSON object' });
    }
    if (checker.Check(body)) return body as Record<string, unknown>;
    const first = checker.Errors(body).First();
    const param = first?.path ? first.path.slice(1).replaceAll('/', '.') : null;
    throw httpError('invalid_request', { detail: `${param ?? 'body'}: ${first?.message ?? 'is invalid'}` }, param);
  };
}
