import {
  isStreamingRequest,
  type OperationOf,
  planUpstreamCall,
  readOpenAIUsage,
} from '../../../domain/routing/index.ts';
import { buildCall, compileValidators } from '../shared.ts';
import type { ClientDialect, OperationSpec } from '../types.ts';
import { ChatCompletionBodySchema, CompletionBodySchema, EmbeddingsBodySchema } from './schemas.ts';

const OPERATIONS: { readonly [Op in OperationOf<'openai'>]: OperationSpec } = {
  'openai.chat': {
    path: '/v1/chat/completions',
    surface: 'llm.chat',
    schema: ChatCompletionBodySchema,
    produces: 'text',
  },
  'openai.completions': {
    path: '/v1/completions',
    surface: 'llm.completions',
    schema: CompletionBodySchema,
    produces: 'text',
  },
  'openai.embeddings': {
    path: '/v1/embeddings',
    surface: 'llm.embeddings',
    schema: EmbeddingsBodySchema,
    produces: 'embeddings',
  },
};

const validators = compileValidators(OPERATIONS);

/** OpenAI's chat family (`/v1/chat/completions`, `/v1/completions`, `/v1/embeddings`), JSON or SSE. */
export const OpenAIDialect: ClientDialect<'openai'> = {
  id: 'openai',
  operations: OPERATIONS,
  streamContentType: 'text/event-stream',
  parse(operation, body, headers) {
    return buildCall(OpenAIDialect, operation, OPERATIONS[operation], validators[operation], body, headers, (valid) =>
      isStreamingRequest(operation, valid),
    );
  },
  planUpstream(call, upstream, ctx, options) {
    return planUpstreamCall(call.operation, upstream, call.body, ctx, options);
  },
  readUsage: (reply) => readOpenAIUsage(reply.usage),
  errorBody: (error) => ({
    error: { message: error.message, type: error.type, code: error.code, param: error.param },
  }),
};
