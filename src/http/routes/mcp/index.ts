/**
 * @module The MCP family: the REST surface, the aggregated `/mcp` endpoint, RFC 9728 metadata and the admin
 * API, registered by `buildApp` with the gateway's `McpService`. Without one (an app built for a test of
 * another family) the routes still exist, so the surface registry holds, and every server is unknown.
 */
import type { FastifyInstance } from 'fastify';
import type { McpService } from '../../../mcp/index.ts';
import type { SecretService } from '../../../secrets/index.ts';
import type { Store } from '../../../store/index.ts';
import { httpError } from '../../errors.ts';
import { mcpAdminRoutes } from './admin.ts';
import { mcpEndpointRoutes } from './endpoint.ts';
import { mcpRestRoutes } from './rest.ts';
import { challengeWithMetadata, resourceMetadataRoutes } from './well-known.ts';

export interface McpRoutesOptions {
  mcp: { service: McpService; store: Store; secrets: SecretService; loopbackOnly: boolean } | null;
}

async function unavailableRoutes(app: FastifyInstance): Promise<void> {
  const refuse = async () => {
    throw httpError('mcp_server_not_found', { server: '(none configured)' });
  };
  const routes: Array<[string, string, string]> = [
    ['GET', '/mcp/v1/servers', 'mcp.servers.list'],
    ['GET', '/mcp/v1/servers/:server/tools', 'mcp.tools.list'],
    ['POST', '/mcp/v1/servers/:server/tools/:tool(^[^/]+)::call', 'mcp.tools.call'],
    ['POST', '/mcp', 'mcp.endpoint'],
    ['GET', '/mcp', 'mcp.endpoint.stream'],
    ['DELETE', '/mcp', 'mcp.endpoint.delete'],
    ['GET', '/.well-known/oauth-protected-resource', 'mcp.oauth.resource_metadata'],
    ['GET', '/.well-known/oauth-protected-resource/mcp', 'mcp.oauth.resource_metadata_mcp'],
    ['GET', '/admin/v1/mcp/servers', 'admin.mcp.servers.list'],
    ['POST', '/admin/v1/mcp/servers', 'admin.mcp.servers.put'],
    ['DELETE', '/admin/v1/mcp/servers/:server', 'admin.mcp.servers.delete'],
    ['GET', '/admin/v1/mcp/servers/:server/pins', 'admin.mcp.pins.list'],
    ['POST', '/admin/v1/mcp/servers/:server/tools/:tool(^[^/]+)::approve', 'admin.mcp.pins.approve'],
    ['GET', '/admin/v1/mcp/policies/:team_id', 'admin.mcp.policies.get'],
    ['POST', '/admin/v1/mcp/policies/:team_id', 'admin.mcp.policies.put'],
  ];
  for (const [method, url, surface] of routes) app.route({ method, url, config: { surface }, handler: refuse });
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
      originPolicy: {
        allowedOrigins: service.config.allowedOrigins,
        allowedHosts: service.config.allowedHosts,
        loopbackOnly: mcp.loopbackOnly,
      },
    });
  });
  await app.register(resourceMetadataRoutes, metadata);
  await app.register(mcpAdminRoutes, { service, store: mcp.store, secrets: mcp.secrets });
}

export { mcpSurfaces } from './surfaces.ts';
