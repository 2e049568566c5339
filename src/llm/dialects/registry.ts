import type { Dialect } from '../../domain/routing/index.ts';
import { AnthropicDialect } from './anthropic/index.ts';
import { OllamaDialect } from './ollama/index.ts';
import { OpenAIDialect } from './openai/index.ts';
import { ResponsesDialect } from './responses/index.ts';
import type { ClientDialect } from './types.ts';

/**
 * Dialect id → its object. The mapped type makes the registry exhaustive: a new id in `Dialect` does not compile
 * until it has an entry here (and its folder declares every operation of that id).
 */
export const DIALECTS: { readonly [D in Dialect]: ClientDialect<D> } = Object.freeze({
  openai: OpenAIDialect,
  ollama: OllamaDialect,
  responses: ResponsesDialect,
  anthropic: AnthropicDialect,
});

export function dialectFor<D extends Dialect>(id: D): ClientDialect<D> {
  return DIALECTS[id];
}
