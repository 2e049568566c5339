import type { FastifyInstance, FastifyRequest } from 'fastify';
import { toOpenAIModel, toOpenAIModelList } from '../../../providers/index.ts';
import { httpError } from '../../errors.ts';
import { OpenAIModel, OpenAIModelList } from './answers.ts';
import { isModelAllowed, listAllowedModels } from './model-access.ts';
import { type LlmRoutesOptions, requireLlm } from './relay.ts';

/** `GET /v1/models` and `GET /v1/models/{id}`: only what the calling key may use. */
export async function openaiModelRoutes(app: FastifyInstance, options: LlmRoutesOptions): Promise<void> {
  const list = { config: { surface: 'llm.models.list' }, schema: { response: { 200: OpenAIModelList } } };
  app.get('/v1/models', list, async (request) => {
    const names = listAllowedModels(request, requireLlm(options));
    return toOpenAIModelList(
      names.map((id) => ({ id })),
      Date.now(),
    );
  });
  const get = { config: { surface: 'llm.models.get' }, schema: { response: { 200: OpenAIModel } } };
  app.get('/v1/models/:model', get, async (request: FastifyRequest) => {
    const { model } = request.params as { model: string };
    request.gh.setMeta('model', model);
    // Not allowed and not served look the same: a key learns nothing about models outside its list.
    if (!isModelAllowed(request, model) || !requireLlm(options).router.hasModel(model)) {
      throw httpError('model_not_found', { model }, 'model');
    }
    return toOpenAIModel({ id: model }, Date.now());
  });
}
