import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BUILTIN_ROLES, parseScope, scopeCovers } from '../../../domain/rbac/index.ts';
import { describeBinding, describeUser, ValidationError } from '../../../identity/index.ts';
import { policyFor, principalRef } from '../../authorizer.ts';
import { httpError } from '../../errors.ts';
import { checkIfMatch, etagOf, ListQuerySchema, paginate, withIdempotency } from './common.ts';
import type { AdminRoutesDeps } from './deps.ts';
import {
  BindingView,
  IssuedAdminTokenView,
  ListOf,
  NoBody,
  NoContent,
  RevokedAdminTokenView,
  RoleView,
  UserView,
} from './responses.ts';
import { BindingBody, CreateTokenBody, CreateUserBody, RoleBody, TenantParams } from './schemas.ts';
import { durationMs } from './tenants.ts';

const Uuid = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' });
const UserParams = Type.Object({ user_id: Uuid }, { additionalProperties: false });
const TokenParams = Type.Object(
  { token_id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
const RoleParams = Type.Object(
  { name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$' }) },
  { additionalProperties: false },
);
const BindingParams = Type.Object({ binding_id: Uuid }, { additionalProperties: false });
const BindingsQuery = Type.Object(
  {
    principal: Type.Optional(Type.String({ maxLength: 500 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    cursor: Type.Optional(Type.String({ maxLength: 400 })),
  },
  { additionalProperties: false },
);

function granterOf(request: FastifyRequest, deps: AdminRoutesDeps) {
  const principal = request.gh.principal;
  if (principal === null) throw new Error('admin route reached without a principal');
  return { principal: principalRef(principal), engine: policyFor(deps.engine(), principal) };
}

/** The escalation guard's verdict is a permission problem, not a malformed request. */
async function createBindingFor(request: FastifyRequest, deps: AdminRoutesDeps, body: Static<typeof BindingBody>) {
  try {
    return await deps.admin.createBinding(body, granterOf(request, deps));
  } catch (error) {
    if (error instanceof ValidationError && error.field === 'role' && error.message.includes('cannot grant')) {
      throw httpError('permission_denied', { permission: `grant ${body.role} at ${body.scope}` });
    }
    throw error;
  }
}

/** Users, admin tokens, roles and bindings. */
export async function accessRoutes(app: FastifyInstance, deps: AdminRoutesDeps): Promise<void> {
  const { admin } = deps;

  app.get<{ Querystring: { limit?: number; cursor?: string } }>(
    '/admin/v1/users',
    {
      config: { surface: 'admin.users.list' },
      schema: { querystring: ListQuerySchema, response: { 200: ListOf(UserView) } },
    },
    async (request) => {
      const page = paginate(await admin.listUsers(), (u) => u.id, request.query);
      return { ...page, data: page.data.map(describeUser) };
    },
  );

  app.post<{ Body: Static<typeof CreateUserBody> }>(
    '/admin/v1/users',
    { config: { surface: 'admin.users.create' }, schema: { body: CreateUserBody, response: { 201: UserView } } },
    async (request, reply) =>
      withIdempotency(deps.idempotency, request, reply, async () => {
        const user = await admin.createUser({
          email: request.body.email,
          name: request.body.name,
          tenant: request.body.tenant_id ?? null,
        });
        await deps.refreshSnapshots();
        return { status: 201, body: describeUser(user) };
      }),
  );

  app.post<{ Params: Static<typeof UserParams>; Body: Static<typeof CreateTokenBody> }>(
    '/admin/v1/users/:user_id/tokens',
    {
      config: { surface: 'admin.tokens.create' },
      schema: { params: UserParams, body: CreateTokenBody, response: { 201: IssuedAdminTokenView } },
    },
    async (request, reply) =>
      withIdempotency(deps.idempotency, request, reply, async () => {
        const issued = await admin.issueToken(
          request.params.user_id,
          request.body?.name ?? 'api',
          durationMs('expires_in', request.body?.expires_in),
        );
        await deps.refreshSnapshots();
        const { record } = issued;
        return {
          status: 201,
          body: {
            object: 'admin_token',
            id: record.id,
            prefix: record.prefix,
            name: record.name,
            user_id: record.userId,
            expires_at: record.expiresAt === null ? null : new Date(record.expiresAt).toISOString(),
            token: issued.token,
          },
        };
      }),
  );

  app.post<{ Params: Static<typeof TokenParams> }>(
    '/admin/v1/tokens/:token_id/revoke',
    {
      config: { surface: 'admin.tokens.revoke', body: NoBody, bodyOptional: true },
      schema: { params: TokenParams, response: { 200: RevokedAdminTokenView } },
    },
    async (request) => {
      const revoked = await admin.revokeToken(request.params.token_id);
      await deps.refreshSnapshots();
      return { object: 'admin_token', id: revoked.id, prefix: revoked.prefix, revoked: true };
    },
  );

  app.get(
    '/admin/v1/roles',
    { config: { surface: 'admin.roles.list' }, schema: { response: { 200: ListOf(RoleView) } } },
    async () => {
      const custom = await admin.listRoles();
      return {
        object: 'list',
        data: [
          ...BUILTIN_ROLES.map((role) => ({
            object: 'role',
            builtin: true,
            version: 0,
            includes: [],
            description: '',
            ...role,
          })),
          ...custom.map((role) => ({ object: 'role', builtin: false, ...role })),
        ],
        next_cursor: null,
      };
    },
  );

  app.put<{ Params: Static<typeof RoleParams>; Body: Static<typeof RoleBody> }>(
    '/admin/v1/roles/:name',
    {
      config: { surface: 'admin.roles.put' },
      schema: { params: RoleParams, body: RoleBody, response: { 200: RoleView, 201: RoleView } },
    },
    async (request, reply) => {
      const existing = (await admin.listRoles()).find((role) => role.name === request.params.name);
      if (existing) checkIfMatch(request, etagOf('role', existing.version));
      const createOnly = request.headers['if-none-match'] === '*';
      // RFC 9110 §13.1.2: a failed If-None-Match on a state-changing request is 412, as a failed If-Match is.
      if (createOnly && existing) throw httpError('precondition_failed', { current: etagOf('role', existing.version) });
      const expected = createOnly ? null : request.headers['if-match'] && existing ? existing.version : undefined;
      const saved = await admin.saveRole(
        {
          name: request.params.name,
          description: request.body.description ?? '',
          permissions: request.body.permissions,
          ...(request.body.includes ? { includes: request.body.includes } : {}),
        },
        expected,
      );
      await deps.refreshSnapshots();
      reply.header('etag', etagOf('role', saved.version));
      reply.code(existing ? 200 : 201);
      return { object: 'role', builtin: false, ...saved };
    },
  );

  app.delete<{ Params: Static<typeof RoleParams> }>(
    '/admin/v1/roles/:name',
    { config: { surface: 'admin.roles.delete' }, schema: { params: RoleParams, response: { 204: NoContent } } },
    async (request, reply) => {
      if (!(await admin.deleteRole(request.params.name))) {
        throw httpError('resource_not_found', { detail: `role "${request.params.name}" not found` });
      }
      await deps.refreshSnapshots();
      reply.code(204);
    },
  );

  app.get<{ Querystring: Static<typeof BindingsQuery> }>(
    '/admin/v1/bindings',
    {
      config: { surface: 'admin.bindings.list' },
      schema: { querystring: BindingsQuery, response: { 200: ListOf(BindingView) } },
    },
    async (request) => {
      const page = paginate(await admin.listBindings(request.query.principal), (b) => b.id, request.query);
      return { ...page, data: page.data.map(describeBinding) };
    },
  );

  app.post<{ Body: Static<typeof BindingBody> }>(
    '/admin/v1/bindings',
    { config: { surface: 'admin.bindings.create' }, schema: { body: BindingBody, response: { 201: BindingView } } },
    async (request, reply) =>
      withIdempotency(deps.idempotency, request, reply, async () => {
        const binding = await createBindingFor(request, deps, request.body);
        await deps.refreshSnapshots();
        return { status: 201, body: describeBinding(binding) };
      }),
  );

  app.delete<{ Params: Static<typeof BindingParams> }>(
    '/admin/v1/bindings/:binding_id',
    { config: { surface: 'admin.bindings.delete' }, schema: { params: BindingParams, response: { 204: NoContent } } },
    async (request, reply) => {
      if (!(await admin.deleteBinding(request.params.binding_id))) {
        throw httpError('resource_not_found', { detail: `binding "${request.params.binding_id}" not found` });
      }
      await deps.refreshSnapshots();
      reply.code(204);
    },
  );

  app.get<{ Params: Static<typeof TenantParams>; Querystring: { limit?: number; cursor?: string } }>(
    '/admin/v1/tenants/:tenant_id/bindings',
    {
      config: { surface: 'admin.tenant_bindings.list' },
      schema: { params: TenantParams, querystring: ListQuerySchema, response: { 200: ListOf(BindingView) } },
    },
    async (request) => {
      const tenantScope = `org:${request.params.tenant_id}`;
      const within = (await admin.listBindings()).filter((b) => scopeCovers(tenantScope, b.scope));
      const page = paginate(within, (b) => b.id, request.query);
      return { ...page, data: page.data.map(describeBinding) };
    },
  );

  app.post<{ Params: Static<typeof TenantParams>; Body: Static<typeof BindingBody> }>(
    '/admin/v1/tenants/:tenant_id/bindings',
    {
      config: { surface: 'admin.tenant_bindings.create' },
      schema: { params: TenantParams, body: BindingBody, response: { 201: BindingView } },
    },
    async (request, reply) => {
      const parsed = parseScope(request.body.scope);
      if (parsed === null || !scopeCovers(`org:${request.params.tenant_id}`, request.body.scope)) {
        throw httpError(
          'invalid_request',
          { detail: `scope must be org:${request.params.tenant_id} or one of its teams` },
          'scope',
        );
      }
      return withIdempotency(deps.idempotency, request, reply, async () => {
        const binding = await createBindingFor(request, deps, request.body);
        await deps.refreshSnapshots();
        return { status: 201, body: describeBinding(binding) };
      });
    },
  );
}
