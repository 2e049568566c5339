import {
  invalidInputItem,
  type OperationOf,
  planResponsesCall,
  readResponsesUsage,
  statefulFeature,
} from '../../../domain/routing/index.ts';
import { buildCall, compileValidators } from '../shared.ts';
import { type ClientDialect, InvalidBodyError, type OperationSpec } from '../types.ts';
import { ResponsesBodySchema, ResponsesCompactBodySchema } from './schemas.ts';

const OPERATIONS: { readonly [Op in OperationOf<'responses'>]: OperationSpec } = {
  'responses.create': {
    path: '/v1/responses',
    surface: 'llm.responses',
    schema: ResponsesBodySchema,
    produces: 'text',
  },
  'responses.compact': {
    path: '/v1/responses/compact',
    surface: 'llm.responses.compact',
    schema: ResponsesCompactBodySchema,
    produces: 'text',
  },
};

const validators = compileValidators(OPERATIONS);

/**
 * OpenAI's Responses API (`/v1/responses`, `/v1/responses/compact`), JSON or typed SSE events: what Codex CLI and
 * the OpenAI Agents SDK speak. Upstreams that declare `responses_api: true` get it passed through; others serve
 * it through chat completions. Errors use OpenAI's envelope, as on the chat surfaces.
 */
export const ResponsesDialect: ClientDialect<'responses'> = {
  id: 'responses',
  operations: OPERATIONS,
  streamContentType: 'text/event-stream',
  parse(operation, body, headers) {
    const call = buildCall(
      ResponsesDialect,
      operation,
      OPERATIONS[operation],
      validators[operation],
      body,
      headers,
      (valid) => operation === 'responses.create' && valid.stream === true,
    );
    const fault = invalidInputItem(call.body);
    if (fault !== null) throw new InvalidBodyError(fault.detail, fault.param);
    return call;
  },
  nativeOnly(call) {
    if (call.operation === 'responses.compact') return 'POST /v1/responses/compact';
    return statefulFeature(call.body);
  },
  planUpstream(call, upstream, ctx, options) {
    return planResponsesCall(call.operation, upstream, call.body, ctx, options);
  },
  readUsage: (reply) => readResponsesUsage(reply.usage),
  errorBody: (error) => ({
    error: { message: error.message, type: error.type, code: error.code, param: error.param },
  }),
};
