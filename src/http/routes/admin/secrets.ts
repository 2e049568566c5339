import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { SecretMetadata } from '../../../store/index.ts';
import { httpError } from '../../errors.ts';
import type { AdminRoutesDeps } from './deps.ts';
import { ListOf, NoContent, SecretView } from './responses.ts';
import { SecretBody } from './schemas.ts';

const SecretParams = Type.Object(
  { name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }) },
  { additionalProperties: false },
);
const PLATFORM_OWNER = 'platform';

function describeSecret(secret: SecretMetadata) {
  return {
    object: 'secret',
    owner: secret.owner,
    name: secret.name,
    kek_id: secret.kekId,
    version: secret.version,
    created_at: new Date(secret.createdAt).toISOString(),
    updated_at: new Date(secret.updatedAt).toISOString(),
  };
}

/** Secret metadata and write-only values: no route ever returns a secret's value. */
export async function secretRoutes(app: FastifyInstance, deps: AdminRoutesDeps): Promise<void> {
  app.get(
    '/admin/v1/secrets',
    { config: { surface: 'admin.secrets.list' }, schema: { response: { 200: ListOf(SecretView) } } },
    async () => ({
      object: 'list',
      // The gateway's own secrets (the key pepper) are not the operator's to see or change.
      data: (await deps.secrets.list()).filter((s) => s.owner !== 'system').map(describeSecret),
      next_cursor: null,
    }),
  );

  app.put<{ Params: Static<typeof SecretParams>; Body: Static<typeof SecretBody> }>(
    '/admin/v1/secrets/:name',
    {
      config: { surface: 'admin.secrets.put' },
      schema: { params: SecretParams, body: SecretBody, response: { 200: SecretView } },
    },
    async (request) => describeSecret(await deps.secrets.put(PLATFORM_OWNER, request.params.name, request.body.value)),
  );

  app.delete<{ Params: Static<typeof SecretParams> }>(
    '/admin/v1/secrets/:name',
    { config: { surface: 'admin.secrets.delete' }, schema: { params: SecretParams, response: { 204: NoContent } } },
    async (request, reply) => {
      if (!(await deps.secrets.delete(PLATFORM_OWNER, request.params.name))) {
        throw httpError('resource_not_found', { detail: `secret "${request.params.name}" not found` });
      }
      reply.code(204);
    },
  );
}
