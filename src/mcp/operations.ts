/**
 * @module The relayed operations besides tools/call and the lists: `prompts/get`, `resources/read`,
 * `completion/complete`, `resources/subscribe` and `unsubscribe`. Each resolves the client's name or URI through
 * the endpoint's view, checks the team policy for that kind (a team may read a server's resources yet not call its
 * tools) and the pin of prompts and templates, then calls the upstream and maps names back in the result.
 */
import { globToRegExp, isServerVisible, isVisible } from '../domain/mcp/index.ts';
import type { Principal } from '../domain/principal.ts';
import { McpFailure } from './errors.ts';
import type { CallTrace, ToolCallDeps } from './tool-call.ts';
import { tracedRequest, withHeaders } from './upstream-span.ts';
import type { McpView } from './views.ts';
import { type CallSinks, isObject, type JsonObject } from './wire.ts';

export interface OperationContext {
  principal: Principal;
  view: McpView;
  sinks: CallSinks;
  trace: CallTrace;
  /** Protocol members relayed as they are (`_meta` minus gateway keys, a 2026 retry's input members). */
  extra: JsonObject;
}

async function entryFor(deps: ToolCallDeps, context: OperationContext, server: string) {
  const entry = deps.registry.server(server);
  const policy = await deps.policies.forTeam(context.principal.teamId);
  if (!entry || !context.view.includesServer(server) || !isServerVisible(policy.compiled, server)) return null;
  await deps.authorize(entry, context.principal);
  await deps.registry.catalog(entry);
  return { entry, policy };
}

/** Resolves an exposed prompt name to (server, name) through what the caller's prompts/list shows. */
async function resolvePrompt(deps: ToolCallDeps, context: OperationContext, exposed: string) {
  const listed: Array<{ server: string; name: string }> = [];
  const policy = await deps.policies.forTeam(context.principal.teamId);
  for (const entry of deps.registry.servers()) {
    if (!context.view.includesServer(entry.spec.id) || !isServerVisible(policy.compiled, entry.spec.id)) continue;
    for (const prompt of entry.prompts.values()) listed.push({ server: entry.spec.id, name: prompt.prompt.name });
  }
  return context.view.resolveName(exposed, listed);
}

async function checkedPrompt(deps: ToolCallDeps, context: OperationContext, exposed: string) {
  const target = await resolvePrompt(deps, context, exposed);
  const found = target ? await entryFor(deps, context, target.server) : null;
  const prompt = target && found ? found.entry.prompts.get(target.name) : undefined;
  const visible =
    target !== null &&
    found !== null &&
    prompt !== undefined &&
    prompt.status === 'approved' &&
    context.view.includes('prompts', target.server, target.name) &&
    isVisible(found.policy.compiled, 'prompts', target.server, target.name);
  if (!visible || !target || !found) {
    throw new McpFailure(
      'prompt_not_found',
      { server: target?.server ?? context.view.id, prompt: exposed },
      { param: 'name' },
    );
  }
  return { entry: found.entry, name: target.name };
}

/**
 * Whether `uri` is reachable only through templates awaiting approval: not a listed resource and fitting no approved
 * template, yet fitting a quarantined one. Such a read is refused as a quarantined prompt is, so a server cannot
 * change a template's description after approval and still have URIs under it relayed. A URI no template covers
 * stays readable (servers need not list what they serve).
 */
function onlyQuarantined(
  entry: {
    resources: Array<{ uri: string }>;
    templates: Map<string, { status: string; template: { uriTemplate: string } }>;
  },
  uri: string,
): boolean {
  if (entry.resources.some((resource) => resource.uri === uri)) return false;
  let quarantined = false;
  for (const template of entry.templates.values()) {
    const pattern = globToRegExp(template.template.uriTemplate.replace(/\{[^}]*\}/g, '*'));
    if (!pattern.test(uri)) continue;
    if (template.status === 'approved') return false;
    quarantined = true;
  }
  return quarantined;
}

async function checkedResource(deps: ToolCallDeps, context: OperationContext, exposed: string) {
  const target = context.view.resolveUri(exposed);
  const found = target ? await entryFor(deps, context, target.server) : null;
  const allowed =
    target !== null &&
    found !== null &&
    context.view.includes('resources', target.server, target.uri) &&
    isVisible(found.policy.compiled, 'resources', target.server, target.uri) &&
    !onlyQuarantined(found.entry, target.uri);
  if (!allowed || !target || !found) throw new McpFailure('mcp_resource_not_found', { uri: exposed }, { param: 'uri' });
  return { entry: found.entry, uri: target.uri };
}

function rewriteContentUris(context: OperationContext, server: string, result: JsonObject): JsonObject {
  if (!context.view.namespaced || !Array.isArray(result.contents)) return result;
  const contents = result.contents.map((item) =>
    isObject(item) && typeof item.uri === 'string' ? { ...item, uri: context.view.exposedUri(server, item.uri) } : item,
  );
  return { ...result, contents };
}

export async function getPrompt(deps: ToolCallDeps, context: OperationContext, params: JsonObject) {
  const exposed = typeof params.name === 'string' ? params.name : '';
  const { entry, name } = await checkedPrompt(deps, context, exposed);
  context.trace.server = entry.spec.id;
  context.trace.tool = name;
  const connection = await deps.connectionFor(entry, context.principal);
  const relayed = { ...context.extra, name, arguments: params.arguments ?? {} };
  return tracedRequest(context.trace.outbound, entry, 'prompts/get', name, relayed, (carried) =>
    connection.request('prompts/get', carried.params, context.sinks, withHeaders(carried)),
  );
}

export async function readResource(deps: ToolCallDeps, context: OperationContext, params: JsonObject) {
  const exposed = typeof params.uri === 'string' ? params.uri : '';
  const { entry, uri } = await checkedResource(deps, context, exposed);
  context.trace.server = entry.spec.id;
  const connection = await deps.connectionFor(entry, context.principal);
  const relayed = { ...context.extra, uri };
  const result = await tracedRequest(context.trace.outbound, entry, 'resources/read', null, relayed, (carried) =>
    connection.request('resources/read', carried.params, context.sinks, withHeaders(carried)),
  );
  return rewriteContentUris(context, entry.spec.id, result);
}

export async function complete(deps: ToolCallDeps, context: OperationContext, params: JsonObject) {
  const ref = isObject(params.ref) ? params.ref : {};
  let server: string;
  let upstreamRef: JsonObject;
  if (ref.type === 'ref/prompt') {
    const { entry, name } = await checkedPrompt(deps, context, typeof ref.name === 'string' ? ref.name : '');
    server = entry.spec.id;
    upstreamRef = { ...ref, name };
  } else {
    const { entry, uri } = await checkedResource(deps, context, typeof ref.uri === 'string' ? ref.uri : '');
    server = entry.spec.id;
    upstreamRef = { ...ref, uri };
  }
  const entry = deps.registry.server(server);
  if (!entry) throw new McpFailure('mcp_server_not_found', { server });
  const connection = await deps.connectionFor(entry, context.principal);
  // Only the request's own members: the client's raw `_meta` (gateway keys, its progress token) stays filtered.
  const relayed: JsonObject = { ...context.extra, ref: upstreamRef, argument: params.argument ?? {} };
  if (params.context !== undefined) relayed.context = params.context;
  return tracedRequest(context.trace.outbound, entry, 'completion/complete', null, relayed, (carried) =>
    connection.request('completion/complete', carried.params, context.sinks, withHeaders(carried)),
  );
}

/** The upstream (server, uri) a subscription is for, after the same read check as `resources/read`. */
export async function subscriptionTarget(deps: ToolCallDeps, context: OperationContext, params: JsonObject) {
  const exposed = typeof params.uri === 'string' ? params.uri : '';
  const { entry, uri } = await checkedResource(deps, context, exposed);
  return { entry, uri, exposed };
}
