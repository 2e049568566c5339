/**
 * @module The SDK `Server` behind `/mcp`, one per HTTP request (the SDK's stateless pattern): it speaks the
 * protocol (initialize, ping, tools/list, tools/call, version negotiation up to 2025-11-25) and hands every
 * decision to `McpService`, so the aggregated endpoint enforces exactly what the REST surface enforces.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { Principal } from '../../../domain/principal.ts';
import { type AggregatedTool, CallTrace, McpFailure, type McpService } from '../../../mcp/index.ts';
import { toGatehouseError, toMcpError } from './failures.ts';

/** Where a client puts a capability in `tools/call` `_meta` (reverse-DNS prefix, MCP 2025-11-25 basic §_meta). */
export const CAPABILITY_META_KEY = 'dev.gatehouse/capability';
const META_PREFIX = 'dev.gatehouse/';

// One validator for every per-request Server: constructing Ajv costs milliseconds, a request should not pay it.
const SHARED_VALIDATOR = new AjvJsonSchemaValidator();
const SERVER_INFO = { name: 'gatehouse', title: 'Gatehouse MCP gateway', version: '0.1.0' };

/** What one `/mcp` request did, read by the route for its audit event. */
export class EndpointCall {
  readonly principal: Principal;
  readonly capabilityHeader: string | null;
  readonly trace = new CallTrace();
  failure: McpFailure | null = null;

  constructor(principal: Principal, capabilityHeader: string | null) {
    this.principal = principal;
    this.capabilityHeader = capabilityHeader;
  }
}

function toWireTool(entry: AggregatedTool): Tool {
  return {
    ...entry.tool,
    name: entry.name,
    _meta: {
      ...(entry.tool._meta ?? {}),
      [`${META_PREFIX}server`]: entry.server,
      [`${META_PREFIX}tool`]: entry.tool.name,
      [`${META_PREFIX}tool_sha256`]: entry.sha256,
    },
  };
}

async function callAggregated(
  service: McpService,
  call: EndpointCall,
  params: { name: string; arguments?: Record<string, unknown>; _meta?: Record<string, unknown> },
): Promise<CallToolResult> {
  const target = await service.resolveAggregatedName(call.principal, params.name);
  try {
    if (!target)
      throw new McpFailure('tool_not_found', { server: '(aggregate)', tool: params.name }, { param: 'name' });
    const fromMeta = params._meta?.[CAPABILITY_META_KEY];
    const capability = typeof fromMeta === 'string' ? fromMeta : call.capabilityHeader;
    return await service.callTool(
      call.principal,
      { server: target.server, tool: target.tool, args: params.arguments ?? {}, capability },
      call.trace,
    );
  } catch (error) {
    if (!(error instanceof McpFailure)) throw error;
    call.failure = error;
    // Input-validation failures are tool results the model can correct (SEP-1303), not protocol errors.
    if (error.code === 'tool_arguments_invalid') {
      return { isError: true, content: [{ type: 'text', text: toGatehouseError(error).message }] };
    }
    throw toMcpError(error);
  }
}

export function createAggregateServer(service: McpService, call: EndpointCall): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false } },
    jsonSchemaValidator: SHARED_VALIDATOR,
    instructions: 'Tools of every MCP server your team may use, named <server>__<tool>.',
  });
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const tools = await service.listAggregated(call.principal);
    return { tools: tools.map(toWireTool) };
  });
  server.setRequestHandler(CallToolRequestSchema, (request) => callAggregated(service, call, request.params));
  return server;
}
