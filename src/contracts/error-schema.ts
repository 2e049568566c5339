import { Type } from '@sinclair/typebox';
import { ERROR_CATALOG } from '../http/errors.ts';

/** The one error body of every surface (DESIGN §2 invariant 5), with the catalog's codes as the closed set. */
export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object(
      {
        message: Type.String({ minLength: 1 }),
        type: Type.Union(
          [...new Set(Object.values(ERROR_CATALOG).map((entry) => entry.type))].map((t) => Type.Literal(t)),
        ),
        code: Type.Union(Object.keys(ERROR_CATALOG).map((code) => Type.Literal(code))),
        param: Type.Union([Type.String(), Type.Null()]),
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'error', additionalProperties: false },
);
