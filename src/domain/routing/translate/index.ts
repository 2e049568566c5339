/**
 * @module Pure translation between the OpenAI-compatible and Ollama-native wire formats: requests, responses,
 * and streams chunk by chunk. No I/O; the provider layer feeds bytes in and writes bytes out.
 */
export * from './models.ts';
export {
  ollamaChatToOpenAIChat,
  ollamaGenerateToOpenAIChat,
  openAIChatToOllamaChat,
  openAIChatToOllamaGenerate,
} from './ollama-to-openai.ts';
export { ollamaEmbedToOpenAI, openAIChatToOllama, openAICompletionToOllamaGenerate } from './openai-to-ollama.ts';
export { isStreamingRequest, type PlanOptions, planUpstreamCall, type UpstreamCallPlan } from './plan.ts';
export { decodeEmbeddingBase64, encodeEmbeddingBase64, type TranslateContext } from './shared.ts';
export { createOllamaToOpenAIStream } from './stream-ollama-to-openai.ts';
export { createOpenAIToOllamaStream } from './stream-openai-to-ollama.ts';
