import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { describeService, type Vault } from '../../../vault/index.ts';
import { vaultAdminRoutes } from './admin.ts';
import { type VaultRoutesOptions, vaultProxyRoutes } from './proxy.ts';

const GrantedServiceList = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(
    Type.Object(
      { id: Type.String(), path: Type.String({ description: 'Where to call it: `/vault/{id}/…`.' }) },
      { additionalProperties: true, description: 'A service granted to the calling key, as the admin API shows it.' },
    ),
  ),
});

function listGrantedServices(vault: Vault | null, request: FastifyRequest) {
  const principal = request.gh.principal;
  if (vault === null || principal === null) return { object: 'list', data: [] };
  const data = vault.snapshot
    .grantedServices(principal.id)
    .map((id) => vault.snapshot.getService(id))
    .filter((service) => service !== undefined)
    .map((service) => {
      const { id, description, allowed_methods, allowed_paths, auth_type, rate_limit } = describeService(service);
      return { id, description, path: `/vault/${id}/`, allowed_methods, allowed_paths, auth_type, rate_limit };
    });
  return { object: 'list', data };
}

/**
 * The vault family: `ANY /vault/{service}/*` (raw bodies, its own child context so no other route's parsers
 * change), the agent's list of granted services, and the admin API. Registered by `buildApp` with the gateway's
 * vault, or with `null` (every service unknown) when an app is built without one.
 */
export async function vaultRoutes(app: FastifyInstance, options: VaultRoutesOptions): Promise<void> {
  await app.register(vaultProxyRoutes, options);
  await app.register(vaultAdminRoutes, options);
  const list = { config: { surface: 'vault.services.list' }, schema: { response: { 200: GrantedServiceList } } };
  app.get('/gatehouse/v1/vault/services', list, async (request) => listGrantedServices(options.vault, request));
}

export type { VaultRoutesOptions } from './proxy.ts';
export { vaultSurfaces } from './surfaces.ts';
