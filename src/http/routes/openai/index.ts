import type { FastifyInstance } from 'fastify';
import { openaiCallRoutes } from './chat.ts';
import { llmAdminRoutes } from './llm-admin.ts';
import { openaiModelRoutes } from './models.ts';
import { priceAdminRoutes } from './price-admin.ts';
import type { LlmRoutesOptions } from './relay.ts';
import { openaiResponsesRoutes } from './responses.ts';

/**
 * The OpenAI-compatible family (`/v1/*`) and the LLM admin API (`/admin/v1/llm/*`). Point any OpenAI client at
 * `<gateway>/v1` with a Gatehouse key as its API key.
 */
export async function openaiRoutes(app: FastifyInstance, options: LlmRoutesOptions): Promise<void> {
  await app.register(openaiCallRoutes, options);
  await app.register(openaiResponsesRoutes, options);
  await app.register(openaiModelRoutes, options);
  await app.register(llmAdminRoutes, options);
  await app.register(priceAdminRoutes, options);
}

export { type LlmRoutesOptions, relayLlmCall } from './relay.ts';
export { openaiSurfaces } from './surfaces.ts';
