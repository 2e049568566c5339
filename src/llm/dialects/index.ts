/**
 * @module The dialect registry: one object per wire family (OpenAI chat, Ollama), each with its operations, body
 * schemas, parse into the typed call, upstream plan, usage reader and error envelope.
 */

export { ANTHROPIC_ENVELOPE_TYPES, ANTHROPIC_ERROR_TYPES } from './anthropic/errors.ts';
export { AnthropicDialect } from './anthropic/index.ts';
export { OllamaDialect } from './ollama/index.ts';
export { OpenAIDialect } from './openai/index.ts';
export { DIALECTS, dialectFor } from './registry.ts';
export { ResponsesDialect } from './responses/index.ts';
export { routedModel } from './shared.ts';
export {
  ClientCall,
  type ClientDialect,
  type ErrorFields,
  InvalidBodyError,
  MODEL_HEADER,
  type OperationSpec,
  type RequestHeaders,
} from './types.ts';
export { type BodyValidator, createBodyValidator } from './validate.ts';
