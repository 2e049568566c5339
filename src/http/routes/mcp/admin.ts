/**
 * @module `/admin/v1/mcp/*`: register HTTP/SSE servers (credentials go to the secret store; stdio is config
 * only, as an API that launches commands is remote code execution), review and approve quarantined tool
 * definitions, and read or replace team tool policies.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ToolPolicySchema } from '../../../domain/mcp/index.ts';
import { MCP_SECRET_OWNER_PREFIX, type McpService, PolicyValidationError } from '../../../mcp/index.ts';
import type { SecretService } from '../../../secrets/index.ts';
import { isForeignKeyViolation, mcpRepository, type Store } from '../../../store/index.ts';
import { GatehouseError, httpError } from '../../errors.ts';
import { NoContent } from '../admin/responses.ts';
import { McpPinApproved, McpPinList, McpPolicyView, McpServerList, McpServerRegistered } from './admin-responses.ts';
import {
  ApproveBodySchema,
  type RegisterServerBody,
  RegisterServerBodySchema,
  ServerParamsSchema,
  TeamParamsSchema,
  ToolParamsSchema,
} from './schemas.ts';

export interface McpAdminOptions {
  service: McpService;
  store: Store;
  secrets: SecretService;
}

function actorOf(request: FastifyRequest): string | null {
  return request.gh.principal?.id ?? null;
}

export async function mcpAdminRoutes(app: FastifyInstance, options: McpAdminOptions): Promise<void> {
  const { service, store, secrets } = options;

  app.get(
    '/admin/v1/mcp/servers',
    { config: { surface: 'admin.mcp.servers.list' }, schema: { response: { 200: McpServerList } } },
    async () => ({
      object: 'list',
      next_cursor: null,
      data: service.registry.servers().map((entry) => ({
        object: 'mcp_server',
        id: entry.spec.id,
        source: entry.source,
        transport: entry.spec.transport,
        description: entry.spec.description,
        status: entry.connection.state,
        last_error: entry.connection.lastError,
        connects: entry.connection.connectCount,
        tools: [...entry.tools.values()].map((tool) => ({
          name: tool.tool.name,
          sha256: tool.sha256,
          status: tool.status,
        })),
      })),
    }),
  );

  app.post(
    '/admin/v1/mcp/servers',
    {
      config: { surface: 'admin.mcp.servers.put' },
      schema: { body: RegisterServerBodySchema, response: { 200: McpServerRegistered, 201: McpServerRegistered } },
    },
    async (request, reply) => {
      const body = request.body as RegisterServerBody;
      request.gh.setMeta('server', body.id);
      const existing = service.registry.server(body.id);
      if (existing?.source === 'config') {
        throw httpError('conflict', { detail: `MCP server ${body.id} is defined in the config file` }, 'id');
      }
      if (body.credential !== undefined && body.credential_header === undefined) {
        throw httpError('invalid_request', { detail: 'credential needs credential_header' }, 'credential_header');
      }
      if (body.credential !== undefined) {
        await secrets.put(`${MCP_SECRET_OWNER_PREFIX}${body.id}`, 'credential', body.credential);
      }
      const record = {
        id: body.id,
        transport: body.transport,
        url: body.url,
        description: body.description ?? '',
        settings: {
          timeoutMs: body.timeout_ms ?? null,
          credentialHeader: body.credential_header ?? null,
          hasCredential:
            body.credential !== undefined || (existing !== undefined && body.credential_header !== undefined),
        },
      };
      await mcpRepository.upsertServer(store.write, record);
      // This instance applies the row now; the others see the revision move at their next poll.
      await service.syncServers();
      reply.code(existing ? 200 : 201);
      return {
        object: 'mcp_server',
        id: body.id,
        transport: body.transport,
        url: body.url,
        description: record.description,
      };
    },
  );

  app.delete(
    '/admin/v1/mcp/servers/:server',
    {
      config: { surface: 'admin.mcp.servers.delete' },
      schema: { params: ServerParamsSchema, response: { 204: NoContent } },
    },
    async (request, reply) => {
      const { server } = request.params as { server: string };
      request.gh.setMeta('server', server);
      const entry = service.registry.server(server);
      if (entry?.source === 'config')
        throw httpError('conflict', { detail: `MCP server ${server} is defined in the config file` });
      const deleted = await mcpRepository.deleteServer(store.write, server);
      if (!deleted) throw httpError('mcp_server_not_found', { server });
      await secrets.delete(`${MCP_SECRET_OWNER_PREFIX}${server}`, 'credential');
      await service.syncServers();
      return reply.code(204).send();
    },
  );

  app.get(
    '/admin/v1/mcp/servers/:server/pins',
    {
      config: { surface: 'admin.mcp.pins.list' },
      schema: { params: ServerParamsSchema, response: { 200: McpPinList } },
    },
    async (request) => {
      const { server } = request.params as { server: string };
      request.gh.setMeta('server', server);
      const pins = await service.pins.list(server);
      return {
        object: 'list',
        next_cursor: null,
        data: pins.map((pin) => ({
          object: 'mcp_tool_pin',
          tool: pin.toolName,
          status: pin.pendingSha256 ? 'quarantined' : 'approved',
          approved_sha256: pin.approvedSha256,
          pending_sha256: pin.pendingSha256,
          pending_definition: pin.pendingDefinition ? JSON.parse(pin.pendingDefinition) : null,
          approved_by: pin.approvedBy,
          updated_at: new Date(pin.updatedAt).toISOString(),
        })),
      };
    },
  );

  app.post(
    '/admin/v1/mcp/servers/:server/tools/:tool(^[^/]+)::approve',
    {
      config: { surface: 'admin.mcp.pins.approve' },
      schema: { params: ToolParamsSchema, body: ApproveBodySchema, response: { 200: McpPinApproved } },
    },
    async (request) => {
      const { server, tool } = request.params as { server: string; tool: string };
      const { sha256 } = request.body as { sha256: string };
      request.gh.setMeta('server', server);
      request.gh.setMeta('tool', tool);
      request.gh.setMeta('tool_sha256', sha256);
      const approved = await service.approveTool(server, tool, sha256, actorOf(request));
      if (!approved) {
        throw httpError(
          'conflict',
          { detail: `no quarantined definition of ${tool} on ${server} with that sha256` },
          'sha256',
        );
      }
      return { object: 'mcp_tool_pin', server, tool, status: 'approved', approved_sha256: sha256 };
    },
  );

  app.get(
    '/admin/v1/mcp/policies/:team_id',
    {
      config: { surface: 'admin.mcp.policies.get' },
      schema: { params: TeamParamsSchema, response: { 200: McpPolicyView } },
    },
    async (request) => {
      const { team_id: teamId } = request.params as { team_id: string };
      const { policy } = await service.policies.forTeam(teamId);
      return { object: 'mcp_tool_policy', team_id: teamId, ...policy };
    },
  );

  app.post(
    '/admin/v1/mcp/policies/:team_id',
    {
      config: { surface: 'admin.mcp.policies.put', body: ToolPolicySchema },
      schema: { params: TeamParamsSchema, response: { 200: McpPolicyView } },
    },
    async (request) => {
      const { team_id: teamId } = request.params as { team_id: string };
      try {
        const policy = await service.policies.put(teamId, request.body, actorOf(request));
        return { object: 'mcp_tool_policy', team_id: teamId, ...policy };
      } catch (error) {
        if (error instanceof PolicyValidationError) {
          throw new GatehouseError('invalid_request', { values: { detail: error.message }, param: error.field });
        }
        if (isForeignKeyViolation(error))
          throw httpError('resource_not_found', { detail: `No team ${teamId}` }, 'team_id');
        throw error;
      }
    },
  );
}
