/**
 * @module `/admin/v1/mcp/*`: register HTTP/SSE servers (credentials go to the secret store; stdio is config
 * only, as an API that launches commands is remote code execution), review and approve quarantined definitions
 * (tools, prompts, resource templates), read or replace team policies, and manage virtual servers. The writes go
 * through `McpAdmin`, the same code the CLI runs; this instance applies them at once, the others at their next poll.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ToolPolicySchema } from '../../../domain/mcp/index.ts';
import { McpAdmin, McpAdminError, type McpService, PolicyValidationError } from '../../../mcp/index.ts';
import type { SecretService } from '../../../secrets/index.ts';
import { isForeignKeyViolation, type Store } from '../../../store/index.ts';
import { GatehouseError, httpError } from '../../errors.ts';
import { NoContent } from '../admin/responses.ts';
import {
  McpPinApproved,
  McpPinList,
  McpPolicyView,
  McpServerList,
  McpServerRegistered,
  McpVirtualServerList,
  McpVirtualServerView,
} from './admin-responses.ts';
import {
  ApproveBodySchema,
  ApproveKeyBodySchema,
  type RegisterServerBody,
  RegisterServerBodySchema,
  ServerParamsSchema,
  TeamParamsSchema,
  TeamTenantQuerySchema,
  ToolParamsSchema,
  VirtualParamsSchema,
  VirtualServerBodySchema,
} from './schemas.ts';

export interface McpAdminOptions {
  service: McpService;
  store: Store;
  secrets: SecretService;
}

function actorOf(request: FastifyRequest): string | null {
  return request.gh.principal?.id ?? null;
}

function toHttp(error: unknown): unknown {
  if (error instanceof McpAdminError) {
    if (error.kind === 'conflict') return httpError('conflict', { detail: error.message }, error.field);
    return new GatehouseError('invalid_request', { values: { detail: error.message }, param: error.field });
  }
  if (error instanceof PolicyValidationError) {
    return new GatehouseError('invalid_request', { values: { detail: error.message }, param: error.field });
  }
  return error;
}

async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toHttp(error);
  }
}

function serverRoutes(app: FastifyInstance, service: McpService, admin: McpAdmin): void {
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
        era: entry.spec.era,
        protocol_version: entry.connection.info?.protocolVersion ?? null,
        status: entry.connection.state,
        last_error: entry.connection.lastError,
        connects: entry.connection.connectCount,
        tools: [...entry.tools.values()].map((tool) => ({
          name: tool.tool.name,
          sha256: tool.sha256,
          status: tool.status,
        })),
        prompts: [...entry.prompts.values()].map((prompt) => ({
          name: prompt.prompt.name,
          sha256: prompt.sha256,
          status: prompt.status,
        })),
        resource_templates: [...entry.templates.values()].map((template) => ({
          uri_template: template.template.uriTemplate,
          sha256: template.sha256,
          status: template.status,
        })),
        resources: entry.resources.length,
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
      const { created, record } = await mapped(() =>
        admin.registerServer({
          id: body.id,
          transport: body.transport,
          url: body.url,
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.timeout_ms !== undefined ? { timeoutMs: body.timeout_ms } : {}),
          ...(body.era !== undefined ? { era: body.era } : {}),
          ...(body.credential !== undefined ? { credential: body.credential } : {}),
          ...(body.credential_header !== undefined ? { credentialHeader: body.credential_header } : {}),
        }),
      );
      // This instance applies the row now; the others see the revision move at their next poll.
      await service.syncServers();
      reply.code(created ? 201 : 200);
      return {
        object: 'mcp_server',
        id: record.id,
        transport: record.transport,
        url: record.url,
        description: record.description,
        era: record.settings.era ?? 'auto',
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
      await mapped(() => admin.removeServer(server));
      await service.syncServers();
      return reply.code(204).send();
    },
  );
}

function pinRoutes(app: FastifyInstance, service: McpService, admin: McpAdmin): void {
  app.get(
    '/admin/v1/mcp/servers/:server/pins',
    {
      config: { surface: 'admin.mcp.pins.list' },
      schema: { params: ServerParamsSchema, response: { 200: McpPinList } },
    },
    async (request) => {
      const { server } = request.params as { server: string };
      request.gh.setMeta('server', server);
      const pins = await admin.listPins(server);
      return {
        object: 'list',
        next_cursor: null,
        data: pins.map((pin) => ({ object: 'mcp_tool_pin', tool: pin.key, ...pin })),
      };
    },
  );

  // Any pinned kind by its key (`prompt:<name>`, `resource_template:<uri template>`, which may hold '/').
  app.post(
    '/admin/v1/mcp/servers/:server/pins::approve',
    {
      config: { surface: 'admin.mcp.pins.approve_key' },
      schema: { params: ServerParamsSchema, body: ApproveKeyBodySchema, response: { 200: McpPinApproved } },
    },
    async (request) => {
      const { server } = request.params as { server: string };
      const { key, sha256 } = request.body as { key: string; sha256: string };
      request.gh.setMeta('server', server);
      request.gh.setMeta('tool', key);
      request.gh.setMeta('tool_sha256', sha256);
      if (!(await admin.approvePin(server, key, sha256, actorOf(request)))) {
        throw httpError(
          'conflict',
          { detail: `no quarantined definition of ${key} on ${server} with that sha256` },
          'sha256',
        );
      }
      await service.pins.load();
      if (service.registry.server(server)) await service.registry.refresh(server).catch(() => {});
      return { object: 'mcp_tool_pin', server, tool: key, status: 'approved', approved_sha256: sha256 };
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
      const approved = await admin.approvePin(server, tool, sha256, actorOf(request));
      if (!approved) {
        throw httpError(
          'conflict',
          { detail: `no quarantined definition of ${tool} on ${server} with that sha256` },
          'sha256',
        );
      }
      await service.pins.load();
      if (service.registry.server(server)) await service.registry.refresh(server).catch(() => {});
      return { object: 'mcp_tool_pin', server, tool, status: 'approved', approved_sha256: sha256 };
    },
  );
}

function policyRoutes(app: FastifyInstance, service: McpService, admin: McpAdmin): void {
  app.get(
    '/admin/v1/mcp/policies/:team_id',
    {
      config: { surface: 'admin.mcp.policies.get' },
      schema: { params: TeamParamsSchema, querystring: TeamTenantQuerySchema, response: { 200: McpPolicyView } },
    },
    async (request) => {
      const { team_id: teamId } = request.params as { team_id: string };
      const { policy, stored } = await service.policies.forTeam(teamId);
      return { object: 'mcp_tool_policy', team_id: teamId, stored, ...policy };
    },
  );

  app.post(
    '/admin/v1/mcp/policies/:team_id',
    {
      config: { surface: 'admin.mcp.policies.put', body: ToolPolicySchema },
      schema: { params: TeamParamsSchema, querystring: TeamTenantQuerySchema, response: { 200: McpPolicyView } },
    },
    async (request) => {
      const { team_id: teamId } = request.params as { team_id: string };
      try {
        const policy = await admin.setPolicy(teamId, request.body, actorOf(request));
        await service.syncServers();
        return { object: 'mcp_tool_policy', team_id: teamId, stored: true, ...policy };
      } catch (error) {
        if (isForeignKeyViolation(error))
          throw httpError('resource_not_found', { detail: `No team ${teamId}` }, 'team_id');
        throw toHttp(error);
      }
    },
  );
}

function virtualRoutes(app: FastifyInstance, service: McpService, admin: McpAdmin): void {
  app.get(
    '/admin/v1/mcp/virtual-servers',
    { config: { surface: 'admin.mcp.virtual.list' }, schema: { response: { 200: McpVirtualServerList } } },
    async () => ({
      object: 'list',
      next_cursor: null,
      data: (await admin.listVirtualServers()).map((entry) => ({
        object: 'mcp_virtual_server',
        endpoint: `/mcp/virtual/${entry.name}`,
        ...entry,
      })),
    }),
  );

  app.put(
    '/admin/v1/mcp/virtual-servers/:name',
    {
      config: { surface: 'admin.mcp.virtual.put' },
      schema: { params: VirtualParamsSchema, body: VirtualServerBodySchema, response: { 200: McpVirtualServerView } },
    },
    async (request) => {
      const { name } = request.params as { name: string };
      request.gh.setMeta('virtual_server', name);
      const definition = await mapped(() => admin.putVirtualServer(name, request.body, actorOf(request)));
      // The admin writes the store directly; syncing now makes this instance serve the new definition on the next
      // request instead of after its next revision poll (a client told 200 must not get 404 from the same instance).
      await service.syncServers();
      return { object: 'mcp_virtual_server', endpoint: `/mcp/virtual/${name}`, source: 'admin', ...definition };
    },
  );

  app.delete(
    '/admin/v1/mcp/virtual-servers/:name',
    {
      config: { surface: 'admin.mcp.virtual.delete' },
      schema: { params: VirtualParamsSchema, response: { 204: NoContent } },
    },
    async (request, reply) => {
      const { name } = request.params as { name: string };
      request.gh.setMeta('virtual_server', name);
      await mapped(() => admin.removeVirtualServer(name));
      await service.syncServers();
      return reply.code(204).send();
    },
  );
}

export async function mcpAdminRoutes(app: FastifyInstance, options: McpAdminOptions): Promise<void> {
  const { service, store, secrets } = options;
  const admin = new McpAdmin(store, secrets, service.config);
  serverRoutes(app, service, admin);
  pinRoutes(app, service, admin);
  policyRoutes(app, service, admin);
  virtualRoutes(app, service, admin);
}
