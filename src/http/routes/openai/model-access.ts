import type { FastifyRequest } from 'fastify';
import { allowListOf, type LlmService } from '../../../llm/index.ts';
import { GatehouseError, httpError } from '../../errors.ts';

/** Ollama clients may omit the tag: `llama3` means `llama3:latest` (Ollama's own name resolution). */
function withOllamaTag(llm: LlmService, model: string): string {
  if (model.includes(':') || llm.router.hasModel(model)) return model;
  const tagged = `${model}:latest`;
  return llm.router.hasModel(tagged) ? tagged : model;
}

export function isModelAllowed(request: FastifyRequest, model: string): boolean {
  const principal = request.gh.principal;
  return principal !== null && allowListOf(principal.settings)(model);
}

/**
 * The public model a call is for (`asked`: as routed, the header winning over the body), once the key may use it
 * and a group serves it. The allow-list is checked first so a key learns nothing about models outside it.
 */
export async function resolveModel(
  request: FastifyRequest,
  llm: LlmService,
  asked: string,
  ollamaClient: boolean,
): Promise<string> {
  const model = ollamaClient ? withOllamaTag(llm, asked) : asked;
  if (!isModelAllowed(request, model)) throw httpError('model_not_allowed', { model }, 'model');
  if (await llm.hasModel(model)) return model;
  const unreachable = llm.defaultMode ? llm.discoveryError : null;
  if (unreachable !== null) {
    throw new GatehouseError('upstream_unavailable', { values: { detail: `Cannot serve ${model}: ${unreachable}.` } });
  }
  throw httpError('model_not_found', { model }, 'model');
}

/** Model names a key may use, in the order the router lists them. */
export function listAllowedModels(request: FastifyRequest, llm: LlmService): string[] {
  return llm
    .listModels()
    .map((group) => group.name)
    .filter((name) => isModelAllowed(request, name));
}
