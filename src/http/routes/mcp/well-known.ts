/**
 * @module RFC 9728 protected resource metadata for MCP clients, and the `resource_metadata` parameter on the
 * 401 challenge of MCP routes (MCP 2025-11-25 authorization §Protected Resource Metadata Discovery). Clients
 * try the path-inserted location first (`/.well-known/oauth-protected-resource/mcp`), then the root one.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface ResourceMetadataOptions {
  /** Canonical URI of the MCP resource (RFC 8707); derived from the request when not configured. */
  resourceUrl: string | null;
  authorizationServers: string[];
}

function origin(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? request.hostname}`;
}

export function resourceUrlOf(request: FastifyRequest, options: ResourceMetadataOptions): string {
  return options.resourceUrl ?? `${origin(request)}/mcp`;
}

export function metadataUrlOf(request: FastifyRequest, options: ResourceMetadataOptions): string {
  const resource = new URL(resourceUrlOf(request, options));
  return `${resource.origin}/.well-known/oauth-protected-resource${resource.pathname === '/' ? '' : resource.pathname}`;
}

/** Adds `resource_metadata` to every 401 challenge in the MCP routes' context. */
export function challengeWithMetadata(options: ResourceMetadataOptions) {
  return async function addResourceMetadata(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
    if (reply.statusCode === 401) {
      reply.header(
        'www-authenticate',
        `Bearer realm="gatehouse", resource_metadata="${metadataUrlOf(request, options)}"`,
      );
    } else if (reply.statusCode === 403) {
      // A step-up challenge (MCP authorization §Scope Challenge Handling): keep the scope, add where to learn more.
      const challenge = reply.getHeader('www-authenticate');
      if (typeof challenge === 'string' && challenge.includes('insufficient_scope')) {
        reply.header('www-authenticate', `${challenge}, resource_metadata="${metadataUrlOf(request, options)}"`);
      }
    }
    return payload;
  };
}

/** RFC 9728 §2 protected resource metadata, the fields this gateway publishes. */
const ResourceMetadata = Type.Object(
  {
    resource: Type.String(),
    authorization_servers: Type.Array(Type.String()),
    bearer_methods_supported: Type.Array(Type.String()),
    resource_name: Type.String(),
    scopes_supported: Type.Array(Type.String()),
  },
  { additionalProperties: true },
);

export async function resourceMetadataRoutes(app: FastifyInstance, options: ResourceMetadataOptions): Promise<void> {
  const describe = async (request: FastifyRequest) => ({
    resource: resourceUrlOf(request, options),
    authorization_servers: options.authorizationServers,
    bearer_methods_supported: ['header'],
    resource_name: 'Gatehouse MCP gateway',
    scopes_supported: ['mcp.servers.read', 'mcp.tools.read', 'mcp.tools.call'],
  });
  const schema = { response: { 200: ResourceMetadata } };
  app.get(
    '/.well-known/oauth-protected-resource',
    { config: { surface: 'mcp.oauth.resource_metadata' }, schema },
    describe,
  );
  app.get(
    '/.well-known/oauth-protected-resource/mcp',
    { config: { surface: 'mcp.oauth.resource_metadata_mcp' }, schema },
    describe,
  );
}
