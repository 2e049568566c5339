import type { FastifyInstance } from 'fastify';
import type { LlmRoutesOptions } from '../openai/relay.ts';
import { anthropicMessagesRoutes } from './messages.ts';

/**
 * The Anthropic family: the Messages API (`/v1/messages*`) for Claude Code and the Anthropic SDKs. Point them at
 * the gateway's origin (`ANTHROPIC_BASE_URL`) with a Gatehouse key as `x-api-key` or bearer token. Model listings
 * in Anthropic's shape are served by `GET /v1/models` itself, by the `anthropic-version` header.
 */
export async function anthropicRoutes(app: FastifyInstance, options: LlmRoutesOptions): Promise<void> {
  await app.register(anthropicMessagesRoutes, options);
}

export { AnthropicModel, AnthropicModelList } from './answers.ts';
export { anthropicSurfaces } from './surfaces.ts';
