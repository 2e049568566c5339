import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createBodyValidator, routedModel } from '../../../llm/index.ts';
import {
  OLLAMA_COMPATIBLE_VERSION,
  toOllamaProcessList,
  toOllamaTags,
  UnknownModelError,
  UpstreamError,
} from '../../../providers/index.ts';
import { OllamaShow, OllamaTags, OllamaVersion } from '../openai/answers.ts';
import { listAllowedModels, resolveModel } from '../openai/model-access.ts';
import { type LlmRoutesOptions, requireLlm } from '../openai/relay.ts';
import { toCatalogError } from '../openai/upstream-errors.ts';
import { OllamaShowBodySchema } from './schemas.ts';

const validateShow = createBodyValidator(OllamaShowBodySchema);

/** `GET /api/tags`, `POST /api/show`, `GET /api/ps`, `GET /api/version`. */
export async function ollamaModelRoutes(app: FastifyInstance, options: LlmRoutesOptions): Promise<void> {
  const allowed = (request: FastifyRequest) => listAllowedModels(request, requireLlm(options)).map((id) => ({ id }));

  app.get(
    '/api/tags',
    { config: { surface: 'ollama.tags' }, schema: { response: { 200: OllamaTags } } },
    async (request) => toOllamaTags(allowed(request), Date.now()),
  );
  app.get('/api/ps', { config: { surface: 'ollama.ps' }, schema: { response: { 200: OllamaTags } } }, async (request) =>
    toOllamaProcessList(allowed(request), Date.now()),
  );
  const version = { config: { surface: 'ollama.version' }, schema: { response: { 200: OllamaVersion } } };
  app.get('/api/version', version, async () => ({
    version: OLLAMA_COMPATIBLE_VERSION,
  }));
  app.post(
    '/api/show',
    { config: { surface: 'ollama.show', body: OllamaShowBodySchema }, schema: { response: { 200: OllamaShow } } },
    async (request: FastifyRequest, _reply: FastifyReply) => {
      const body = validateShow(request.body);
      const llm = requireLlm(options);
      const model = await resolveModel(
        request,
        llm,
        routedModel({ model: body.model ?? body.name }, request.headers),
        true,
      );
      request.gh.setMeta('model', model);
      try {
        return await llm.router.describeModel(model);
      } catch (error) {
        if (error instanceof UpstreamError || error instanceof UnknownModelError) throw toCatalogError(error);
        throw error;
      }
    },
  );
}
