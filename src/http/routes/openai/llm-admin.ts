import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createBodyValidator, LlmAdmin, LlmConfigConflictError } from '../../../llm/index.ts';
import { type ModelGroupSpec, ModelGroupSpecSchema, UpstreamSpecSchema } from '../../../providers/index.ts';
import { httpError } from '../../errors.ts';
import { type LlmRoutesOptions, requireLlm } from './relay.ts';

const validateUpstream = createBodyValidator(UpstreamSpecSchema);
const validateGroup = createBodyValidator(ModelGroupSpecSchema);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });

type UpstreamBody = Parameters<LlmAdmin['putUpstream']>[0];

function rethrow(error: unknown): never {
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

  app.get('/admin/v1/llm/upstreams', { config: { surface: 'admin.llm.upstreams.list' } }, async () => ({
    object: 'list',
    data: admin().listUpstreams(),
  }));
  app.post(
    '/admin/v1/llm/upstreams',
    { config: { surface: 'admin.llm.upstreams.create' } },
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
    { config: { surface: 'admin.llm.upstreams.get' }, schema: params },
    async (request) => admin().getUpstream(idOf(request)),
  );
  app.put(
    '/admin/v1/llm/upstreams/:id',
    { config: { surface: 'admin.llm.upstreams.update' }, schema: params },
    async (request) => {
      const body = bodyFor(request, 'id', validateUpstream) as UpstreamBody;
      checkBaseUrl(body);
      return admin().putUpstream(body, 'update').catch(rethrow);
    },
  );
  app.delete(
    '/admin/v1/llm/upstreams/:id',
    { config: { surface: 'admin.llm.upstreams.delete' }, schema: params },
    async (request, reply) => {
      await admin().deleteUpstream(idOf(request)).catch(rethrow);
      reply.code(204).send();
    },
  );

  app.get('/admin/v1/llm/model_groups', { config: { surface: 'admin.llm.model_groups.list' } }, async () => ({
    object: 'list',
    data: admin().listGroups(),
  }));
  app.post(
    '/admin/v1/llm/model_groups',
    { config: { surface: 'admin.llm.model_groups.create' } },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const body = bodyFor(request, 'name', validateGroup) as unknown as ModelGroupSpec;
      const view = await admin().putGroup(body, 'create').catch(rethrow);
      reply.code(201);
      return view;
    },
  );
  app.get(
    '/admin/v1/llm/model_groups/:id',
    { config: { surface: 'admin.llm.model_groups.get' }, schema: params },
    async (request) => admin().getGroup(idOf(request)),
  );
  app.put(
    '/admin/v1/llm/model_groups/:id',
    { config: { surface: 'admin.llm.model_groups.update' }, schema: params },
    async (request) => {
      const body = bodyFor(request, 'name', validateGroup) as unknown as ModelGroupSpec;
      return admin().putGroup(body, 'update').catch(rethrow);
    },
  );
  app.delete(
    '/admin/v1/llm/model_groups/:id',
    { config: { surface: 'admin.llm.model_groups.delete' }, schema: params },
    async (request, reply) => {
      await admin().deleteGroup(idOf(request)).catch(rethrow);
      reply.code(204).send();
    },
  );
}
