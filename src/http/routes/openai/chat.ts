import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LlmOperation } from '../../../providers/index.ts';
import { type LlmRoutesOptions, relayLlmCall, requireLlm } from './relay.ts';
import { ChatCompletionBodySchema, CompletionBodySchema, EmbeddingsBodySchema } from './schemas.ts';
import { type BodyValidator, createBodyValidator } from './validate.ts';

/** One handler per (operation, validator), built at registration: no per-request closures. */
export function createCallHandler(options: LlmRoutesOptions, operation: LlmOperation, validate: BodyValidator) {
  return async function handleLlmCall(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    let body: Record<string, unknown>;
    try {
      body = validate(request.body);
    } catch (error) {
      // Admission settles tokens from `usage` after every admitted request: nothing ran, so nothing is spent.
      request.gh.usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
      throw error;
    }
    await relayLlmCall(request, reply, requireLlm(options), operation, body);
  };
}

/** `POST /v1/chat/completions`, `/v1/completions`, `/v1/embeddings`. */
export async function openaiCallRoutes(app: FastifyInstance, options: LlmRoutesOptions): Promise<void> {
  app.post(
    '/v1/chat/completions',
    { config: { surface: 'llm.chat' } },
    createCallHandler(options, 'openai.chat', createBodyValidator(ChatCompletionBodySchema)),
  );
  app.post(
    '/v1/completions',
    { config: { surface: 'llm.completions' } },
    createCallHandler(options, 'openai.completions', createBodyValidator(CompletionBodySchema)),
  );
  app.post(
    '/v1/embeddings',
    { config: { surface: 'llm.embeddings' } },
    createCallHandler(options, 'openai.embeddings', createBodyValidator(EmbeddingsBodySchema)),
  );
}
