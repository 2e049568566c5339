/**
 * @module The MCP family: the REST surface, the aggregated `/mcp` endpoint, RFC 9728 metadata and the admin
 * API, registered by `buildApp` with the gateway's `McpService`. Without one (an app built for a test of
 * another family) the routes still exist, so the surface registry holds, and every server is unknown.
 */
import type { FastifyInstance } from 'fastify';
import type { McpService, McpSharedState } from '../../../mcp/index.ts';
import type { SecretService } from '../../../secrets/index.ts';
import type { Store } from '../../../store/index.ts';
import { httpError } from '../../errors.ts';
import { mcpAdminRoutes } from './admin.ts';
import { mcpEndpointRoutes } from './endpoint.ts';
import { mcpRestRoutes } from './rest.ts';
import { mcpSurfaces } from './surfaces.ts';
import { mcpUserOAuthRoutes } from './user-oauth.ts';
import { challengeWithMetadata, resourceMetadataRoutes } from './well-known.ts';

export interface McpRoutesOptions {
  mcp: {
    service: McpService;
    store: Store;
    secrets: SecretService;
    state: McpSharedState;
    loopbackOnly: boolean;
  } | null;
}

/** Every MCP surface, answering that no server is configured (the registry still maps each route to its entry). */
async function unavailableRoutes(app: FastifyInstance): Promise<void> {
  const refuse = async () => {
    throw httpError('mcp_server_not_found', { server: '(none configured)' });
  };
  for (const surface of mcpSurfaces) {
    app.route({ method: surface.method, url: surface.path, config: { surface: surface.id }, handler: refuse });
  }
}

export async function mcpRoutes(app: FastifyInstance, options: McpRoutesOptions): Promise<void> {
  const { mcp } = options;
  if (mcp === null) {
    await app.register(unavailableRoutes);
    return;
  }
  const { service } = mcp;
  const metadata = {
    resourceUrl: service.config.resourceUrl,
    authorizationServers: service.config.authorizationServers,
  };
  await app.register(async (scope) => {
    scope.addHook('onSend', challengeWithMetadata(metadata));
    await scope.register(mcpRestRoutes, { service });
    await scope.register(mcpEndpointRoutes, {
      service,
      state: mcp.state,
      originPolicy: {
        allowedOrigins: service.config.allowedOrigins,
        allowedHosts: service.config.allowedHosts,
        loopbackOnly: mcp.loopbackOnly,
      },
    });
  });
  await app.register(resourceMetadataRoutes, metadata);
  await app.register(mcpAdminRoutes, { service, store: mcp.store, secrets: mcp.secrets });
  await app.register(mcpUserOAuthRoutes, { service });
}

export { mcpSurfaces } from './surfaces.ts';
