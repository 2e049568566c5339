/**
 * @module Pure translation between the OpenAI-compatible, Ollama-native and Anthropic Messages wire formats:
 * requests, responses, and streams chunk by chunk. No I/O; the provider layer feeds bytes in and writes bytes out.
 */
export {
  anthropicUsageToChat,
  chatUsageToAnthropic,
  encodeAnthropicEvent,
  readAnthropicUsage,
  toAnthropicStopReason,
  toChatFinishReason,
} from './anthropic-shared.ts';
export {
  chatToMessagesBody,
  chatToMessagesTurns,
  DEFAULT_ANTHROPIC_MAX_TOKENS,
  messagesToChatResponse,
} from './chat-to-messages.ts';
export { planMessagesViaChat } from './messages-plan.ts';
export { chatToMessagesResponse, messagesServerTool, messagesToChatBody } from './messages-to-chat.ts';
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
export { createChatToMessagesStream } from './stream-chat-to-messages.ts';
export { createMessagesToChatStream } from './stream-messages-to-chat.ts';
export { createOllamaToOpenAIStream } from './stream-ollama-to-openai.ts';
export { createOpenAIToOllamaStream } from './stream-openai-to-ollama.ts';
