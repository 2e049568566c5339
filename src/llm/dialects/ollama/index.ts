import {
  isStreamingRequest,
  type OperationOf,
  planUpstreamCall,
  readOllamaUsage,
} from '../../../domain/routing/index.ts';
import { buildCall, compileValidators } from '../shared.ts';
import type { ClientDialect, OperationSpec } from '../types.ts';
import {
  OllamaChatBodySchema,
  OllamaEmbedBodySchema,
  OllamaEmbeddingsBodySchema,
  OllamaGenerateBodySchema,
} from './schemas.ts';

const OPERATIONS: { readonly [Op in OperationOf<'ollama'>]: OperationSpec } = {
  'ollama.chat': { path: '/api/chat', surface: 'ollama.chat', schema: OllamaChatBodySchema, produces: 'text' },
  'ollama.generate': {
    path: '/api/generate',
    surface: 'ollama.generate',
    schema: OllamaGenerateBodySchema,
    produces: 'text',
  },
  'ollama.embed': {
    path: '/api/embed',
    surface: 'ollama.embed',
    schema: OllamaEmbedBodySchema,
    produces: 'embeddings',
  },
  'ollama.embeddings': {
    path: '/api/embeddings',
    surface: 'ollama.embeddings',
    schema: OllamaEmbeddingsBodySchema,
    produces: 'embeddings',
  },
};

const validators = compileValidators(OPERATIONS);

/**
 * Ollama's native API (`/api/chat`, `/api/generate`, `/api/embed`, `/api/embeddings`): NDJSON streams unless
 * `"stream": false`. Its clients read an error as `{"error": "<message>"}` (ollama docs/api.md, "Errors"): the
 * `ollama` JavaScript client shows `ResponseError: [object Object]` for any other shape.
 */
export const OllamaDialect: ClientDialect<'ollama'> = {
  id: 'ollama',
  operations: OPERATIONS,
  streamContentType: 'application/x-ndjson',
  parse(operation, body, headers) {
    return buildCall(OllamaDialect, operation, OPERATIONS[operation], validators[operation], body, headers, (valid) =>
      isStreamingRequest(operation, valid),
    );
  },
  planUpstream(call, upstream, ctx, options) {
    return planUpstreamCall(call.operation, upstream, call.body, ctx, options);
  },
  readUsage: readOllamaUsage,
  errorBody: (error) => ({ error: error.message }),
};
