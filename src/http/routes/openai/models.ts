import type { FastifyInstance, FastifyRequest } from 'fastify';
import { toOpenAIModel, toOpenAIModelList } from '../../../providers/index.ts';
import { httpError } from '../../errors.ts';
import { isModelAllowed, listAllowedModels } from './model-access.ts';
import { type LlmRoutesOptions, requireLlm } from './relay.ts';

/** `GET /v1/models` and `GET /v1/models/{id}`: only what the calling key may use. */
export async function openaiModelRoutes(app: FastifyInstance, options: LlmRoutesOptions): Promise<void> {
  app.get('/v1/models', { config: { surface: 'llm.models.list' } }, async (request) => {
    const names = listAllowedModels(request, requireLlm(options));
    return toOpenAIModelList(
      names.map((id) => ({ id })),
      Date.now(),
    );
  });
  app.get('/v1/models/:model', { config: { surface: 'llm.models.get' } }, async (request: FastifyRequest) => {
    const { model } = request.params as { model: string };
    request.gh.setMeta('model', model);
    // Not allowed and not served look the same: a key learns nothing about models outside its list.
    if (!isModelAllowed(request, model) || !requireLlm(options).router.hasModel(model)) {
      throw httpError('model_not_found', { model }, 'model');
    }
    return toOpenAIModel({ id: model }, Date.now());
  });
}
