import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Vault } from '../../../vault/index.ts';
import { httpError } from '../../errors.ts';
import {
  KeyGrantsView,
  VaultCredentialDeleted,
  VaultCredentialStored,
  VaultServiceDeleted,
  VaultServiceList,
  VaultServiceView,
} from './admin-responses.ts';
import {
  CredentialBodySchema,
  CredentialQuerySchema,
  GrantBodySchema,
  KeyParamsSchema,
  KeyServiceParamsSchema,
  ServiceBodySchema,
  ServiceParamsSchema,
} from './schemas.ts';

type ServiceParams = Static<typeof ServiceParamsSchema>;

function requireVault(vault: Vault | null): Vault {
  if (vault === null) throw httpError('vault_unavailable');
  return vault;
}

/** Admin API of the vault: services, write-only credentials, and per-key grants. */
export async function vaultAdminRoutes(app: FastifyInstance, options: { vault: Vault | null }): Promise<void> {
  const { vault } = options;

  app.get(
    '/admin/v1/vault/services',
    { config: { surface: 'admin.vault.services.list' }, schema: { response: { 200: VaultServiceList } } },
    async () => ({ object: 'list', data: requireVault(vault).admin.list(), next_cursor: null }),
  );

  app.post(
    '/admin/v1/vault/services',
    {
      config: { surface: 'admin.vault.services.create' },
      schema: { body: ServiceBodySchema, response: { 201: VaultServiceView } },
    },
    async (request: FastifyRequest<{ Body: Static<typeof ServiceBodySchema> }>, reply: FastifyReply) => {
      const admin = requireVault(vault).admin;
      request.gh.setMeta('service', request.body.id);
      const service = await admin.define(request.body);
      reply.code(201);
      return admin.describe(service);
    },
  );

  app.get(
    '/admin/v1/vault/services/:service',
    {
      config: { surface: 'admin.vault.services.get' },
      schema: { params: ServiceParamsSchema, response: { 200: VaultServiceView } },
    },
    async (request: FastifyRequest<{ Params: ServiceParams }>) => {
      const admin = requireVault(vault).admin;
      request.gh.setMeta('service', request.params.service);
      return admin.describe(admin.requireService(request.params.service));
    },
  );

  app.delete(
    '/admin/v1/vault/services/:service',
    {
      config: { surface: 'admin.vault.services.delete' },
      schema: { params: ServiceParamsSchema, response: { 200: VaultServiceDeleted } },
    },
    async (request: FastifyRequest<{ Params: ServiceParams }>) => {
      request.gh.setMeta('service', request.params.service);
      await requireVault(vault).admin.remove(request.params.service);
      return { id: request.params.service, deleted: true };
    },
  );

  app.put(
    '/admin/v1/vault/services/:service/credentials',
    {
      config: { surface: 'admin.vault.credentials.put' },
      schema: { params: ServiceParamsSchema, body: CredentialBodySchema, response: { 200: VaultCredentialStored } },
    },
    async (request: FastifyRequest<{ Params: ServiceParams; Body: Static<typeof CredentialBodySchema> }>) => {
      const { secret, tenant, key } = request.body;
      request.gh.setMeta('service', request.params.service);
      const stored = await requireVault(vault).admin.setCredential(request.params.service, { tenant, key }, secret);
      request.gh.setMeta('credential_scope', stored.scope);
      request.gh.setMeta('credential_version', stored.version);
      return stored;
    },
  );

  app.delete(
    '/admin/v1/vault/services/:service/credentials',
    {
      config: { surface: 'admin.vault.credentials.delete' },
      schema: {
        params: ServiceParamsSchema,
        querystring: CredentialQuerySchema,
        response: { 200: VaultCredentialDeleted },
      },
    },
    async (request: FastifyRequest<{ Params: ServiceParams; Querystring: Static<typeof CredentialQuerySchema> }>) => {
      request.gh.setMeta('service', request.params.service);
      const removed = await requireVault(vault).admin.removeCredential(request.params.service, request.query);
      request.gh.setMeta('credential_scope', removed.scope);
      return { ...removed, deleted: true };
    },
  );

  app.get(
    '/admin/v1/keys/:key_id/services',
    {
      config: { surface: 'admin.keys.services.list' },
      schema: { params: KeyParamsSchema, response: { 200: KeyGrantsView } },
    },
    async (request: FastifyRequest<{ Params: Static<typeof KeyParamsSchema> }>) =>
      requireVault(vault).admin.grants(request.params.key_id),
  );

  app.post(
    '/admin/v1/keys/:key_id/services',
    {
      config: { surface: 'admin.keys.services.grant' },
      schema: { params: KeyParamsSchema, body: GrantBodySchema, response: { 200: KeyGrantsView } },
    },
    async (
      request: FastifyRequest<{ Params: Static<typeof KeyParamsSchema>; Body: Static<typeof GrantBodySchema> }>,
    ) => {
      request.gh.setMeta('services', request.body.services.join(','));
      return requireVault(vault).admin.grant(request.params.key_id, request.body.services);
    },
  );

  app.delete(
    '/admin/v1/keys/:key_id/services/:service',
    {
      config: { surface: 'admin.keys.services.revoke' },
      schema: { params: KeyServiceParamsSchema, response: { 200: KeyGrantsView } },
    },
    async (request: FastifyRequest<{ Params: Static<typeof KeyServiceParamsSchema> }>) => {
      request.gh.setMeta('service', request.params.service);
      return requireVault(vault).admin.revoke(request.params.key_id, request.params.service);
    },
  );
}
