/**
 * @module The LLM data plane's state: config sections → routing tables, the local-Ollama default, admin-defined
 * upstreams and model groups (keys as envelopes), admin-set model prices, readiness probes, and per-key model
 * allow-lists.
 */
export { LlmAdmin, LlmConfigConflictError, type ModelGroupView, type UpstreamView } from './admin.ts';
export { LlmAdminStore } from './admin-store.ts';
export { agentSessionOf, MAX_SESSION_LENGTH, SESSION_HEADERS } from './agent-session.ts';
export { allowListOf, compileAllowList, type ModelAllowList, parseModelList } from './allowed-models.ts';
export { findReferenceError, type LlmSource, mergeCatalog } from './catalog.ts';
export { type LlmFileConfig, resolveLlmFileConfig, resolveSecretReference } from './config.ts';
export {
  ModelGroupFileSchema,
  ModelsSectionSchema,
  ReasoningModelsSectionSchema,
  UpstreamFileSchema,
  UpstreamsSectionSchema,
} from './config-schema.ts';
export { DEFAULT_OLLAMA_UPSTREAM_ID, DEFAULT_OLLAMA_URL, normalizeOllamaUrl } from './default-ollama.ts';
export {
  ANTHROPIC_ENVELOPE_TYPES,
  ANTHROPIC_ERROR_TYPES,
  AnthropicDialect,
  type BodyValidator,
  ClientCall,
  type ClientDialect,
  createBodyValidator,
  DIALECTS,
  dialectFor,
  type ErrorFields,
  InvalidBodyError,
  MODEL_HEADER,
  OllamaDialect,
  OpenAIDialect,
  type OperationSpec,
  type RequestHeaders,
  ResponsesDialect,
  routedModel,
} from './dialects/index.ts';
export { PriceAdmin, type PriceView } from './price-admin.ts';
export { type LlmReadinessCheck, UpstreamHealthMonitor } from './readiness.ts';
export { LlmService, type LlmServiceOptions } from './service.ts';
