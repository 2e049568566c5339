import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { describeKey } from '../../../identity/index.ts';
import { keysRepository } from '../../../store/index.ts';
import { httpError } from '../../errors.ts';
import { checkIfMatch, etagOf, withIdempotency } from './common.ts';
import type { AdminRoutesDeps } from './deps.ts';
import { checkPromptLogSetting, promptLogCap, withoutNulls } from './prompt-logging.ts';
import { KeyView, NoBody, RotatedKeyView } from './responses.ts';
import { KeyParams, RotateKeyBody, UpdateKeyBody } from './schemas.ts';
import { durationMs } from './tenants.ts';

/** One key by id: read (with its ETag), update (If-Match), revoke, rotate. */
export async function keyRoutes(app: FastifyInstance, deps: AdminRoutesDeps): Promise<void> {
  const { identity, store } = deps;

  app.get<{ Params: Static<typeof KeyParams> }>(
    '/admin/v1/keys/:key_id',
    { config: { surface: 'admin.keys.get' }, schema: { params: KeyParams, response: { 200: KeyView } } },
    async (request, reply) => {
      const key = await identity.findKey(request.params.key_id);
      reply.header('etag', etagOf('key', key.rev));
      return describeKey(key);
    },
  );

  app.patch<{ Params: Static<typeof KeyParams>; Body: Static<typeof UpdateKeyBody> }>(
    '/admin/v1/keys/:key_id',
    {
      config: { surface: 'admin.keys.update' },
      schema: { params: KeyParams, body: UpdateKeyBody, response: { 200: KeyView } },
    },
    async (request, reply) => {
      const current = await identity.findKey(request.params.key_id);
      checkIfMatch(request, etagOf('key', current.rev));
      const expectedRev = request.headers['if-match'] ? current.rev : null;
      const patch = request.body.settings;
      checkPromptLogSetting(patch?.prompt_log, promptLogCap(deps), 'settings.prompt_log.ttl_s');
      const settings = patch ? withoutNulls({ ...current.settings, ...patch }) : undefined;
      const updated = await keysRepository.updateKey(
        store.write,
        current.id,
        { name: request.body.name, settings },
        expectedRev,
      );
      if (updated === null) throw httpError('precondition_failed', { current: 'changed concurrently' });
      await deps.refreshSnapshots();
      reply.header('etag', etagOf('key', updated.rev));
      return describeKey(updated);
    },
  );

  app.post<{ Params: Static<typeof KeyParams> }>(
    '/admin/v1/keys/:key_id/revoke',
    {
      config: { surface: 'admin.keys.revoke', body: NoBody, bodyOptional: true },
      schema: { params: KeyParams, response: { 200: KeyView } },
    },
    async (request) => {
      const revoked = await identity.revokeKey(request.params.key_id);
      await deps.refreshSnapshots();
      return describeKey(revoked);
    },
  );

  app.post<{ Params: Static<typeof KeyParams>; Body: Static<typeof RotateKeyBody> }>(
    '/admin/v1/keys/:key_id/rotate',
    {
      config: { surface: 'admin.keys.rotate' },
      schema: { params: KeyParams, body: RotateKeyBody, response: { 201: RotatedKeyView } },
    },
    async (request, reply) =>
      withIdempotency(deps.idempotency, request, reply, async () => {
        const rotated = await identity.rotateKey(request.params.key_id, durationMs('grace', request.body?.grace) ?? 0);
        await deps.refreshSnapshots();
        return {
          status: 201,
          body: { ...describeKey(rotated.record), key: rotated.key, previous: describeKey(rotated.old) },
        };
      }),
  );
}
