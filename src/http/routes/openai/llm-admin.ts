import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createBodyValidator, LlmAdmin, LlmConfigConflictError } from '../../../llm/index.ts';
import { type ModelGroupSpec, ModelGroupSpecSchema, UpstreamSpecSchema } from '../../../providers/index.ts';
import { httpError } from '../../errors.ts';
import { NoContent } from '../admin/responses.ts';
import { ModelGroupList, ModelGroupView, UpstreamList, UpstreamView } from './llm-admin-responses.ts';
import { type LlmRoutesOptions, requireLlm } from './relay.ts';

const validateUpstream = createBodyValidator(UpstreamSpecSchema);
const validateGroup = createBodyValidator(ModelGroupSpecSchema);
/** On PUT the id (name) comes from the path: the body may repeat it, and must then agree. */
const UpstreamUpdateSchema = Type.Object(
  { ...UpstreamSpecSchema.properties, id: Type.Optional(UpstreamSpecSchema.properties.id) },
  { additionalProperties: false },
);
const ModelGroupUpdateSchema = Type.Object(
  { ...ModelGroupSpecSchema.properties, name: Type.Optional(ModelGroupSpecSchema.properties.name) },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });

type UpstreamBody = Parameters<LlmAdmin['putUpstream']>[0];

/** A write the routing tables (or the price table) refuse is a 409 in the admin envelope. */
export function rethrow(error: unknown): never {
  if (error instanceof LlmConfigConflictError) throw httpError('conflict', { detail: error.message });
  throw error;
}

function idOf(request: FastifyRequest): string {
  const { id } = request.params as { id: string };
  request.gh.setMeta('resource', id);
  return id;
}

/** The body's id must match the path's on PUT (the id is the resource, not a field that can be renamed). */
function bodyFor(request: FastifyRequest, field: 'id' | 'name', validate: (b: unknown) => Record<string, unknown>) {
  const raw = request.body;
  const pathId = request.method === 'PUT' ? idOf(request) : null;
  const merged =
    pathId !== null && raw !== null && typeof raw === 'object' && !Array.isArray(raw)
      ? { [field]: pathId, ...raw }
      : raw;
  const body = validate(merged);
  if (pathId !== null && body[field] !== pathId) {
    throw httpError('invalid_request', { detail: `${field} must match the path` }, field);
  }
  if (pathId === null) request.gh.setMeta('resource', String(body[field]));
  return body;
}

function checkBaseUrl(body: UpstreamBody): void {
  try {
    new URL(body.base_url);
  } catch {
    throw httpError('invalid_request', { detail: 'base_url is not a valid URL' }, 'base_url');
  }
}

/** `/admin/v1/llm/upstreams` and `/admin/v1/llm/model_groups`: list, create, get, replace, delete. */
export async function llmAdminRoutes(app: FastifyInstance, options: LlmRoutesOptions): Promise<void> {
  const service = options.llm;
  const shared = service === null ? null : new LlmAdmin(service);
  const admin = (): LlmAdmin => shared ?? new LlmAdmin(requireLlm(options));
  const params = { params: IdParams };

  app.get(
    '/admin/v1/llm/upstreams',
    { config: { surface: 'admin.llm.upstreams.list' }, schema: { response: { 200: UpstreamList } } },
    async () => ({ object: 'list', data: admin().listUpstreams(), next_cursor: null }),
  );
  app.post(
    '/admin/v1/llm/upstreams',
    {
      config: { surface: 'admin.llm.upstreams.create', body: UpstreamSpecSchema },
      schema: { response: { 201: UpstreamView } },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const body = bodyFor(request, 'id', validateUpstream) as UpstreamBody;
      checkBaseUrl(body);
      const view = await admin().putUpstream(body, 'create').catch(rethrow);
      reply.code(201);
      return view;
    },
  );
  app.get(
    '/admin/v1/llm/upstreams/:id',
    { config: { surface: 'admin.llm.upstreams.get' }, schema: { ...params, response: { 200: UpstreamView } } },
    async (request) => admin().getUpstream(idOf(request)),
  );
  app.put(
    '/admin/v1/llm/upstreams/:id',
    {
      config: { surface: 'admin.llm.upstreams.update', body: UpstreamUpdateSchema },
      schema: { ...params, response: { 200: UpstreamView } },
    },
    async (request) => {
      const body = bodyFor(request, 'id', validateUpstream) as UpstreamBody;
      checkBaseUrl(body);
      return admin().putUpstream(body, 'update').catch(rethrow);
    },
  );
  app.delete(
    '/admin/v1/llm/upstreams/:id',
    { config: { surface: 'admin.llm.upstreams.delete' }, schema: { ...params, response: { 204: NoContent } } },
    async (request, reply) => {
      await admin().deleteUpstream(idOf(request)).catch(rethrow);
      reply.code(204).send();
    },
  );

  app.get(
    '/admin/v1/llm/model_groups',
    { config: { surface: 'admin.llm.model_groups.list' }, schema: { response: { 200: ModelGroupList } } },
    async () => ({ object: 'list', data: admin().listGroups(), next_cursor: null }),
  );
  app.post(
    '/admin/v1/llm/model_groups',
    {
      config: { surface: 'admin.llm.model_groups.create', body: ModelGroupSpecSchema },
      schema: { response: { 201: ModelGroupView } },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const body = bodyFor(request, 'name', validateGroup) as unknown as ModelGroupSpec;
      const view = await admin().putGroup(body, 'create').catch(rethrow);
      reply.code(201);
      return view;
    },
  );
  app.get(
    '/admin/v1/llm/model_groups/:id',
    { config: { surface: 'admin.llm.model_groups.get' }, schema: { ...params, response: { 200: ModelGroupView } } },
    async (request) => admin().getGroup(idOf(request)),
  );
  app.put(
    '/admin/v1/llm/model_groups/:id',
    {
      config: { surface: 'admin.llm.model_groups.update', body: ModelGroupUpdateSchema },
      schema: { ...params, response: { 200: ModelGroupView } },
    },
    async (request) => {
      const body = bodyFor(request, 'name', validateGroup) as unknown as ModelGroupSpec;
      return admin().putGroup(body, 'update').catch(rethrow);
    },
  );
  app.delete(
    '/admin/v1/llm/model_groups/:id',
    { config: { surface: 'admin.llm.model_groups.delete' }, schema: { ...params, response: { 204: NoContent } } },
    async (request, reply) => {
      await admin().deleteGroup(idOf(request)).catch(rethrow);
      reply.code(204).send();
    },
  );
}
