/**
 * @module LLM upstream layer: provider adapters (OpenAI-compatible, Azure OpenAI, Ollama), undici pools per
 * origin, streaming relay, and the failover router the `/v1/*` and `/api/*` routes call.
 */

export {
  DEFAULT_ROUTING_POLICY,
  isStreamingRequest,
  type ListedModel,
  type LlmOperation,
  type ModelGroupSpec,
  ModelGroupSpecSchema,
  OLLAMA_COMPATIBLE_VERSION,
  type RoutingPolicy,
  toOllamaProcessList,
  toOllamaTags,
  toOpenAIModel,
  toOpenAIModelList,
  UPSTREAM_ERRORS,
  type UpstreamErrorCode,
  type UpstreamSpec,
  UpstreamSpecSchema,
  type Usage,
} from '../domain/routing/index.ts';
export { AzureOpenAIProvider } from './azure-openai/index.ts';
export { UnknownModelError, UpstreamError } from './errors.ts';
export { OllamaProvider } from './ollama/index.ts';
export { OpenAIProvider } from './openai/index.ts';
export type { ProviderAdapter, UpstreamBase, UpstreamRequest } from './provider-adapter.ts';
export { getProviderAdapter, providerAdapters } from './registry.ts';
export { createLlmRouter, type LlmRouter, type LlmRouterOptions, type UpstreamProbe } from './router.ts';
export type { RoutingConfig } from './router-state.ts';
export type {
  AttemptRecord,
  CallAudit,
  CallOutcome,
  CallPlanner,
  CallSignal,
  LlmCall,
  LlmResult,
  RelayStream,
  ResponseSink,
} from './types.ts';
