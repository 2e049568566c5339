/**
 * @module Per-user OAuth on the HTTP side: the callback the authorization server redirects the user's browser to
 * (no gateway credential: the single-use `state` names the principal and server), and the admin routes that list
 * and revoke grants. Neither answers nor audits a token, a code or a state.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { type McpService, UserOAuthCallbackError } from '../../../mcp/index.ts';
import { httpError } from '../../errors.ts';
import { ServerParamsSchema } from './schemas.ts';

const CallbackQuery = Type.Object(
  {
    state: Type.Optional(Type.String({ maxLength: 512 })),
    code: Type.Optional(Type.String({ maxLength: 4096 })),
    error: Type.Optional(Type.String({ maxLength: 256 })),
    error_description: Type.Optional(Type.String({ maxLength: 2048 })),
    iss: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: true },
);

const GrantParams = Type.Object(
  { ...ServerParamsSchema.properties, principal: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

const GrantList = Type.Object(
  {
    object: Type.Literal('list'),
    next_cursor: Type.Null(),
    data: Type.Array(
      Type.Object({ object: Type.Literal('mcp_user_grant'), server: Type.String(), principal: Type.String() }),
    ),
  },
  { additionalProperties: false },
);

const GrantRevoked = Type.Object(
  {
    object: Type.Literal('mcp_user_grant'),
    server: Type.String(),
    principal: Type.String(),
    revoked: Type.Boolean({ description: 'Whether the principal held a grant.' }),
    remote: Type.Boolean({ description: "Whether the authorization server's revocation endpoint accepted it." }),
  },
  { additionalProperties: false },
);

const DONE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorized</title></head>
<body><h1>Authorized</h1><p>The gateway now holds your grant for this MCP server. You can close this tab and retry
the request in your client.</p></body></html>
`;

function userOAuthOf(service: McpService, server: string) {
  const oauth = service.users?.oauth;
  if (!oauth?.has(server)) throw httpError('mcp_server_not_found', { server }, 'server');
  return oauth;
}

export async function mcpUserOAuthRoutes(app: FastifyInstance, options: { service: McpService }): Promise<void> {
  const { service } = options;

  app.get(
    '/mcp/oauth/callback',
    {
      config: { surface: 'mcp.oauth.callback' },
      schema: {
        querystring: CallbackQuery,
        response: { 200: Type.String({ description: 'A small HTML page saying the grant is stored.' }) },
      },
    },
    async (request, reply) => {
      const query = request.query as { state?: string; code?: string; error?: string };
      const oauth = service.users?.oauth;
      if (!oauth) {
        request.gh.setMeta('reason', 'not_configured');
        throw httpError('mcp_authorization_failed', {
          reason: 'not_configured',
          detail: 'no server uses per-user OAuth',
        });
      }
      try {
        const { serverId, principalId } = await oauth.complete(query);
        request.gh.setMeta('server', serverId);
        request.gh.setMeta('grant_principal', principalId);
        await service.users?.connections.forget(serverId, principalId);
      } catch (error) {
        if (!(error instanceof UserOAuthCallbackError)) throw error;
        request.gh.setMeta('reason', error.reason);
        throw httpError('mcp_authorization_failed', { reason: error.reason, detail: error.message });
      }
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(DONE_PAGE);
    },
  );

  app.get(
    '/admin/v1/mcp/servers/:server/grants',
    {
      config: { surface: 'admin.mcp.grants.list' },
      schema: { params: ServerParamsSchema, response: { 200: GrantList } },
    },
    async (request) => {
      const { server } = request.params as { server: string };
      request.gh.setMeta('server', server);
      const holders = await userOAuthOf(service, server).grantHolders(server);
      return {
        object: 'list' as const,
        next_cursor: null,
        data: holders.map((principal) => ({ object: 'mcp_user_grant' as const, server, principal })),
      };
    },
  );

  app.delete(
    '/admin/v1/mcp/servers/:server/grants/:principal',
    {
      config: { surface: 'admin.mcp.grants.revoke' },
      schema: { params: GrantParams, response: { 200: GrantRevoked } },
    },
    async (request) => {
      const { server, principal } = request.params as { server: string; principal: string };
      request.gh.setMeta('server', server);
      request.gh.setMeta('grant_principal', principal);
      const outcome = await userOAuthOf(service, server).revoke(server, principal);
      await service.users?.connections.forget(server, principal);
      request.gh.setMeta('remote', outcome.remote);
      return { object: 'mcp_user_grant' as const, server, principal, ...outcome };
    },
  );
}
