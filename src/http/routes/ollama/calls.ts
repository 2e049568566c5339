import type { FastifyInstance } from 'fastify';
import { createCallHandler } from '../openai/chat.ts';
import type { LlmRoutesOptions } from '../openai/relay.ts';
import { createBodyValidator } from '../openai/validate.ts';
import {
  OllamaChatBodySchema,
  OllamaEmbedBodySchema,
  OllamaEmbeddingsBodySchema,
  OllamaGenerateBodySchema,
} from './schemas.ts';

/** `POST /api/chat`, `/api/generate`, `/api/embed`, `/api/embeddings`: the same relay as `/v1/*`. */
export async function ollamaCallRoutes(app: FastifyInstance, options: LlmRoutesOptions): Promise<void> {
  // Ollama reads every body as JSON whatever its content type, and its documented `curl -d` examples send
  // form-urlencoded: accept those here (this plugin's context only) rather than answer 415 to working clients.
  app.addContentTypeParser('*', { parseAs: 'string' }, app.jsonBodyParser);
  app.post(
    '/api/chat',
    { config: { surface: 'ollama.chat' } },
    createCallHandler(options, 'ollama.chat', createBodyValidator(OllamaChatBodySchema)),
  );
  app.post(
    '/api/generate',
    { config: { surface: 'ollama.generate' } },
    createCallHandler(options, 'ollama.generate', createBodyValidator(OllamaGenerateBodySchema)),
  );
  app.post(
    '/api/embed',
    { config: { surface: 'ollama.embed' } },
    createCallHandler(options, 'ollama.embed', createBodyValidator(OllamaEmbedBodySchema)),
  );
  app.post(
    '/api/embeddings',
    { config: { surface: 'ollama.embeddings' } },
    createCallHandler(options, 'ollama.embeddings', createBodyValidator(OllamaEmbeddingsBodySchema)),
  );
}
