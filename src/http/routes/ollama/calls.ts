import type { FastifyInstance } from 'fastify';
import { OllamaDialect } from '../../../llm/index.ts';
import { registerDialectCalls } from '../openai/chat.ts';
import type { LlmRoutesOptions } from '../openai/relay.ts';

/** `POST /api/chat`, `/api/generate`, `/api/embed`, `/api/embeddings`: the same relay as `/v1/*`. */
export async function ollamaCallRoutes(app: FastifyInstance, options: LlmRoutesOptions): Promise<void> {
  // Ollama reads every body as JSON whatever its content type, and its documented `curl -d` examples send
  // form-urlencoded: accept those here (this plugin's context only) rather than answer 415 to working clients.
  app.addContentTypeParser('*', { parseAs: 'string' }, app.jsonBodyParser);
  registerDialectCalls(app, options, OllamaDialect);
}
