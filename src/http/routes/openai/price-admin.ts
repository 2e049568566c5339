import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type ModelPrice, PriceInputSchema } from '../../../domain/limits/index.ts';
import { createBodyValidator, PriceAdmin } from '../../../llm/index.ts';
import { NoContent } from '../admin/responses.ts';
import { rethrow } from './llm-admin.ts';
import { PriceList, PriceView } from './llm-admin-responses.ts';
import { type LlmRoutesOptions, requireLlm } from './relay.ts';

const validatePrice = createBodyValidator(PriceInputSchema);
// Model names carry `:`, `/`, `.` and `@` (llama3:8b, openai/gpt-4o); whitespace and control characters never.
const ModelParams = Type.Object(
  { model: Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\s\\x00-\\x1f\\x7f]+$' }) },
  { additionalProperties: false },
);

function modelOf(request: FastifyRequest): string {
  const { model } = request.params as { model: string };
  request.gh.setMeta('resource', model);
  return model;
}

/** `/admin/v1/llm/prices`: the price table in force, and the admin rows over it. */
export async function priceAdminRoutes(app: FastifyInstance, options: LlmRoutesOptions): Promise<void> {
  const service = options.llm;
  const shared = service === null ? null : new PriceAdmin(service);
  const admin = (): PriceAdmin => shared ?? new PriceAdmin(requireLlm(options));
  const params = { params: ModelParams };

  app.get(
    '/admin/v1/llm/prices',
    { config: { surface: 'admin.llm.prices.list' }, schema: { response: { 200: PriceList } } },
    async () => ({ object: 'list', data: admin().list(), next_cursor: null }),
  );
  app.get(
    '/admin/v1/llm/prices/:model',
    { config: { surface: 'admin.llm.prices.get' }, schema: { ...params, response: { 200: PriceView } } },
    async (request) => admin().get(modelOf(request)),
  );
  app.put(
    '/admin/v1/llm/prices/:model',
    {
      config: { surface: 'admin.llm.prices.set', body: PriceInputSchema },
      schema: { ...params, response: { 200: PriceView } },
    },
    async (request) => {
      const model = modelOf(request);
      const price = validatePrice(request.body) as unknown as ModelPrice;
      return admin().set(model, price);
    },
  );
  app.delete(
    '/admin/v1/llm/prices/:model',
    { config: { surface: 'admin.llm.prices.delete' }, schema: { ...params, response: { 204: NoContent } } },
    async (request, reply) => {
      await admin().remove(modelOf(request)).catch(rethrow);
      reply.code(204).send();
    },
  );
}
