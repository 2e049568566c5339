import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { toOpenAIModel, toOpenAIModelList } from '../../../providers/index.ts';
import { httpError } from '../../errors.ts';
import { AnthropicModel, AnthropicModelList } from '../anthropic/answers.ts';
import { OpenAIModel, OpenAIModelList } from './answers.ts';
import { isModelAllowed, listAllowedModels } from './model-access.ts';
import { type LlmRoutesOptions, requireLlm } from './relay.ts';
import { ANTHROPIC_CLIENT } from './surfaces.ts';

/** The surfaces declare the same header, so the errors of such a request are in Anthropic's envelope too. */
function wantsAnthropicShape(request: FastifyRequest): boolean {
  return request.headers[ANTHROPIC_CLIENT.name] !== undefined;
}

/** The gateway has no creation date for a model group; the epoch says so rather than inventing one. */
const UNKNOWN_CREATION = new Date(0).toISOString();

function toAnthropicModel(id: string) {
  return { type: 'model' as const, id, display_name: id, created_at: UNKNOWN_CREATION };
}

/**
 * `GET /v1/models` and `GET /v1/models/{id}`: only what the calling key may use, in OpenAI's shape, or in
 * Anthropic's (`{data, has_more, first_id, last_id}`) when the request carries `anthropic-version`.
 */
export async function openaiModelRoutes(app: FastifyInstance, options: LlmRoutesOptions): Promise<void> {
  const list = {
    config: { surface: 'llm.models.list' },
    schema: { response: { 200: Type.Union([OpenAIModelList, AnthropicModelList]) } },
  };
  app.get('/v1/models', list, async (request) => {
    const names = listAllowedModels(request, requireLlm(options));
    if (wantsAnthropicShape(request)) {
      return {
        data: names.map(toAnthropicModel),
        has_more: false,
        first_id: names[0] ?? null,
        last_id: names.at(-1) ?? null,
      };
    }
    return toOpenAIModelList(
      names.map((id) => ({ id })),
      Date.now(),
    );
  });
  const get = {
    config: { surface: 'llm.models.get' },
    schema: { response: { 200: Type.Union([OpenAIModel, AnthropicModel]) } },
  };
  app.get('/v1/models/:model', get, async (request: FastifyRequest) => {
    const { model } = request.params as { model: string };
    request.gh.setMeta('model', model);
    // Not allowed and not served look the same: a key learns nothing about models outside its list.
    if (!isModelAllowed(request, model) || !requireLlm(options).router.hasModel(model)) {
      throw httpError('model_not_found', { model }, 'model');
    }
    return wantsAnthropicShape(request) ? toAnthropicModel(model) : toOpenAIModel({ id: model }, Date.now());
  });
}
