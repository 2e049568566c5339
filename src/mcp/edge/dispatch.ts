/**
 * @module One relayed request, whatever era it arrived in: the method table of an MCP endpoint. Lists, calls,
 * prompts, resources and completion go through the service (policy, pins, view naming); what the server answers
 * comes back raw, an `input_required` result included, for the era adapter to deliver. Gateway refusals are
 * `McpFailure`s, upstream answers `RpcError`s; the adapter renders both.
 */
import type { Principal } from '../../domain/principal.ts';
import type { OutboundTrace } from '../../telemetry/index.ts';
import { McpFailure, RpcError } from '../errors.ts';
import { GATEHOUSE_META, type ListMethod } from '../listing.ts';
import type { McpService } from '../service.ts';
import { CallTrace } from '../tool-call.ts';
import type { McpView } from '../views.ts';
import { type CallSinks, type Era, isObject, type JsonObject, META } from '../wire.ts';
import type { ErrorRenderer } from './rpc.ts';

/** Where a client puts a capability in `tools/call` `_meta` (reverse-DNS prefix, MCP 2025-11-25 basic §_meta). */
export const CAPABILITY_META_KEY = `${GATEHOUSE_META}capability`;

export const METHOD_NOT_FOUND = -32601;

/** Everything one request needs besides its params. */
export interface RelayScope {
  principal: Principal;
  view: McpView;
  era: Era;
  /** `x-gatehouse-capability` header, used when `_meta` carries none. */
  capabilityHeader: string | null;
  trace: CallTrace;
  /** Set by `dispatch` when a list came back empty because of policy (logged and audited by the route). */
  notice: string | null;
  /** A refusal answered as a result rather than an error (still audited as a refusal). */
  failure: unknown;
  render: ErrorRenderer;
}

/** What a scope is made from: the exchange an era adapter answers (either era's has these members). */
export interface ScopeSource {
  principal: Principal;
  view: McpView;
  capabilityHeader: string | null;
  request: { outbound: OutboundTrace | null };
}

export function createScope(exchange: ScopeSource, era: Era, render: ErrorRenderer): RelayScope {
  const trace = new CallTrace();
  trace.outbound = exchange.request.outbound;
  const { principal, view, capabilityHeader } = exchange;
  return { principal, view, era, capabilityHeader, trace, notice: null, failure: null, render };
}

const LISTS: readonly string[] = ['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list'];

/** The 2026-07-28 envelope of the client's own hop; the upstream connection sends its own (capabilities excepted). */
const HOP_META = new Set<string>([META.protocolVersion, META.clientInfo]);

/**
 * Members relayed upstream as they are: `_meta` without the gateway's own keys and without `progressToken` (the
 * upstream connection sets its own and the edge maps progress back), and a 2026-07-28 retry's input members.
 */
export function relayedExtra(params: JsonObject): JsonObject {
  const extra: JsonObject = {};
  if (isObject(params._meta)) {
    const meta: JsonObject = {};
    for (const [key, value] of Object.entries(params._meta)) {
      if (key === 'progressToken' || key.startsWith(GATEHOUSE_META) || HOP_META.has(key)) continue;
      meta[key] = value;
    }
    if (Object.keys(meta).length > 0) extra._meta = meta;
  }
  if (params.inputResponses !== undefined) extra.inputResponses = params.inputResponses;
  if (typeof params.requestState === 'string') extra.requestState = params.requestState;
  return extra;
}

/** Resolves the client's tool name through the same listing it saw (a server endpoint uses names as they are). */
function resolveTool(service: McpService, scope: RelayScope, exposed: string) {
  if (!scope.view.namespaced) return { server: scope.view.id, name: exposed };
  return service.resolveTool(scope.principal, scope.view, exposed);
}

async function callTool(service: McpService, scope: RelayScope, params: JsonObject, sinks: CallSinks) {
  const exposed = typeof params.name === 'string' ? params.name : '';
  const target = await resolveTool(service, scope, exposed);
  if (target === null) {
    // A per-user server's tools are listed only with the caller's grant: a name of one is the cue to ask for it.
    await service.requireGrantForName(scope.principal, scope.view, exposed);
    throw new McpFailure(
      'tool_not_found',
      { server: scope.view.id || '(aggregate)', tool: exposed },
      { param: 'name' },
    );
  }
  const fromMeta = isObject(params._meta) ? params._meta[CAPABILITY_META_KEY] : undefined;
  try {
    return await service.callTool(
      scope.principal,
      {
        server: target.server,
        tool: target.name,
        args: params.arguments ?? {},
        capability: typeof fromMeta === 'string' ? fromMeta : scope.capabilityHeader,
        extra: relayedExtra(params),
      },
      scope.trace,
      sinks,
    );
  } catch (error) {
    // Arguments that fail the tool's schema are a result the model can correct (SEP-1303), not a protocol error.
    if (!(error instanceof McpFailure) || error.code !== 'tool_arguments_invalid') throw error;
    scope.failure = error;
    return { isError: true, content: [{ type: 'text', text: scope.render(error).message }] };
  }
}

/** Runs one request; resolves to the result to deliver (possibly `input_required`). */
export async function dispatch(
  service: McpService,
  scope: RelayScope,
  method: string,
  params: JsonObject,
  sinks: CallSinks,
): Promise<JsonObject> {
  if (LISTS.includes(method)) {
    const outcome = await service.list(scope.principal, scope.view, method as ListMethod);
    const result: JsonObject = { [outcome.key]: outcome.items };
    if (outcome.notice !== null) {
      scope.notice = outcome.notice;
      result._meta = { [`${GATEHOUSE_META}notice`]: outcome.notice };
    }
    return result;
  }
  const context = {
    principal: scope.principal,
    view: scope.view,
    sinks,
    trace: scope.trace,
    extra: relayedExtra(params),
  };
  switch (method) {
    case 'tools/call':
      return callTool(service, scope, params, sinks);
    case 'prompts/get':
      return service.getPrompt(context, params);
    case 'resources/read':
      return service.readResource(context, params);
    case 'completion/complete':
      return service.complete(context, params);
    case 'ping':
      return {};
    default:
      throw new RpcError(METHOD_NOT_FOUND, `Method not found: ${method}`);
  }
}

/** The capabilities an endpoint announces: what its servers offer, as a gateway relays it. */
export function endpointCapabilities(era: Era): JsonObject {
  const capabilities: JsonObject = {
    tools: { listChanged: true },
    prompts: { listChanged: true },
    resources: { listChanged: true, subscribe: true },
    completions: {},
  };
  if (era === 'legacy') capabilities.logging = {};
  return capabilities;
}

export const SERVER_INFO = { name: 'gatehouse', title: 'Gatehouse MCP gateway', version: '0.1.0' };

export function instructionsFor(view: McpView): string {
  if (view.kind === 'server') return `The MCP server ${view.id}, through Gatehouse.`;
  if (view.kind === 'virtual')
    return `${view.description || `The virtual MCP server ${view.id}`}; names are <server>__<name>.`;
  return 'Tools, prompts and resources of every MCP server your team may use, named <server>__<name>.';
}
