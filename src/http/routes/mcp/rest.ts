/**
 * @module The REST surface (seed 000): `GET /mcp/v1/servers`, `GET /mcp/v1/servers/{id}/tools`,
 * `POST /mcp/v1/servers/{id}/tools/{name}:call`. Same service, same policy, same audit as `/mcp`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { namespaceToolName } from '../../../domain/mcp/index.ts';
import { CallTrace, McpFailure, type McpService, withUpstreamTrace } from '../../../mcp/index.ts';
import { httpError } from '../../errors.ts';
import { McpServerList, McpToolList, McpToolResult } from './answers.ts';
import { recordTrace, toGatehouseError } from './failures.ts';
import { ServerParamsSchema, type ToolCallBody, ToolCallBodySchema, ToolParamsSchema } from './schemas.ts';

function principalOf(request: FastifyRequest) {
  const principal = request.gh.principal;
  if (principal === null) throw httpError('missing_api_key');
  return principal;
}

/** Runs a request's MCP work under its trace (connects and lists it sets off are its spans), mapping failures. */
async function mapFailures<T>(request: FastifyRequest, work: () => Promise<T>): Promise<T> {
  try {
    return await withUpstreamTrace(request.gh.outbound, work);
  } catch (error) {
    if (error instanceof McpFailure) throw toGatehouseError(error);
    throw error;
  }
}

export async function mcpRestRoutes(app: FastifyInstance, options: { service: McpService }): Promise<void> {
  const { service } = options;

  const servers = { config: { surface: 'mcp.servers.list' }, schema: { response: { 200: McpServerList } } };
  app.get('/mcp/v1/servers', servers, async (request) => {
    const servers = await service.listServers(principalOf(request));
    return { object: 'list', data: servers.map((server) => ({ object: 'mcp_server', ...server })) };
  });

  app.get(
    '/mcp/v1/servers/:server/tools',
    { config: { surface: 'mcp.tools.list' }, schema: { params: ServerParamsSchema, response: { 200: McpToolList } } },
    async (request) => {
      const { server } = request.params as { server: string };
      request.gh.setMeta('server', server);
      const tools = await mapFailures(request, () => service.listTools(principalOf(request), server));
      return {
        object: 'list',
        data: tools.map(({ tool, sha256 }) => ({
          object: 'mcp_tool',
          name: tool.name,
          aggregated_name: namespaceToolName(server, tool.name),
          title: tool.title ?? null,
          description: tool.description ?? null,
          input_schema: tool.inputSchema,
          output_schema: tool.outputSchema ?? null,
          annotations: tool.annotations ?? null,
          sha256,
        })),
      };
    },
  );

  app.post(
    '/mcp/v1/servers/:server/tools/:tool(^[^/]+)::call',
    {
      config: { surface: 'mcp.tools.call' },
      schema: { params: ToolParamsSchema, body: ToolCallBodySchema, response: { 200: McpToolResult } },
    },
    async (request) => {
      const { server, tool } = request.params as { server: string; tool: string };
      const body = (request.body ?? {}) as ToolCallBody;
      const header = request.headers['x-gatehouse-capability'];
      const trace = new CallTrace();
      trace.outbound = request.gh.outbound;
      request.gh.setMeta('mcp_method', 'tools/call');
      try {
        const result = await mapFailures(request, () =>
          service.callTool(
            principalOf(request),
            { server, tool, args: body.arguments ?? {}, capability: typeof header === 'string' ? header : null },
            trace,
          ),
        );
        return { object: 'mcp_tool_result', server, tool, tool_sha256: trace.toolSha256, ...result };
      } finally {
        recordTrace(request.gh, trace);
      }
    },
  );
}
