import type { FastifyInstance } from 'fastify';
import type { LlmRoutesOptions } from '../openai/relay.ts';
import { ollamaBlockedRoutes } from './blocked.ts';
import { ollamaCallRoutes } from './calls.ts';
import { ollamaModelRoutes } from './models.ts';

/**
 * The Ollama-native family (`/api/*`). Point any Ollama client at the gateway's origin (`host`) with a Gatehouse
 * key as a bearer token; the models it sees are the ones the key may use, whatever upstream serves them.
 */
export async function ollamaRoutes(app: FastifyInstance, options: LlmRoutesOptions): Promise<void> {
  await app.register(ollamaCallRoutes, options);
  await app.register(ollamaModelRoutes, options);
  await app.register(ollamaBlockedRoutes);
}

export { ollamaSurfaces } from './surfaces.ts';
