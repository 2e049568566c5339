import type { TSchema } from '@sinclair/typebox';
import { estimateCall } from '../../domain/limits/index.ts';
import type { JsonObject, LlmOperation } from '../../domain/routing/index.ts';
import type { CallPlanner } from '../../providers/index.ts';
import { ClientCall, InvalidBodyError, MODEL_HEADER, type OperationSpec, type RequestHeaders } from './types.ts';
import { type BodyValidator, createBodyValidator } from './validate.ts';

/** `x-gatehouse-model` wins over the body (for routers that only see headers); one of them must name a model. */
export function routedModel(body: JsonObject, headers: RequestHeaders): string {
  const header = headers[MODEL_HEADER];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  const model = body.model;
  if (typeof model !== 'string' || model.length === 0) {
    throw new InvalidBodyError('model is required (in the body or the x-gatehouse-model header)', 'model');
  }
  return model;
}

/** One validator per operation, compiled once when the dialect module loads. */
export function compileValidators<Op extends string>(
  operations: { readonly [K in Op]: OperationSpec },
): Readonly<Record<Op, BodyValidator>> {
  const validators = {} as Record<Op, BodyValidator>;
  for (const operation of Object.keys(operations) as Op[]) {
    validators[operation] = createBodyValidator(operations[operation].schema as TSchema);
  }
  return validators;
}

/** The common parse: validate, take the model as routed, read the stream flag and the estimate once. */
export function buildCall(
  dialect: CallPlanner,
  operation: LlmOperation,
  spec: OperationSpec,
  validate: BodyValidator,
  body: unknown,
  headers: RequestHeaders,
  stream: (body: JsonObject) => boolean,
): ClientCall {
  const valid = validate(body);
  const model = routedModel(valid, headers);
  const embeddings = spec.produces === 'embeddings';
  return new ClientCall(
    dialect,
    operation,
    model,
    valid,
    !embeddings && stream(valid),
    estimateCall(valid, spec.produces),
  );
}
