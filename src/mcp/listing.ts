/**
 * @module The lists an endpoint answers (`tools/list`, `prompts/list`, `resources/list`,
 * `resources/templates/list`): the view's servers, each one's approved items that the caller's team policy
 * shows, renamed for the view. A list left empty by policy carries a notice saying why (issue #15: a team with no
 * policy used to see an empty list with no hint), and a server that is down is left out, not fatal.
 */
import { isServerVisible, isVisible, type PolicyKind } from '../domain/mcp/index.ts';
import type { Principal } from '../domain/principal.ts';
import type { CachedPolicy, ToolPolicyService } from './policy.ts';
import type { McpRegistry, ServerEntry } from './registry.ts';
import type { McpView } from './views.ts';
import type { JsonObject } from './wire.ts';

/** Where gateway annotations go in `_meta` (reverse-DNS prefix, MCP 2025-11-25 basic §_meta). */
export const GATEHOUSE_META = 'dev.gatehouse/';

export type ListMethod = 'tools/list' | 'prompts/list' | 'resources/list' | 'resources/templates/list';

const LIST_KEYS: Record<ListMethod, { key: string; kind: PolicyKind }> = {
  'tools/list': { key: 'tools', kind: 'tools' },
  'prompts/list': { key: 'prompts', kind: 'prompts' },
  'resources/list': { key: 'resources', kind: 'resources' },
  'resources/templates/list': { key: 'resourceTemplates', kind: 'resources' },
};

export interface ListOutcome {
  key: string;
  items: JsonObject[];
  /** Why the caller sees nothing, when policy is the reason; null otherwise. */
  notice: string | null;
}

export interface ListingDeps {
  registry: McpRegistry;
  policies: ToolPolicyService;
  /** Whether the principal may list the server now (a per-user OAuth server needs its grant first). */
  mayList?(entry: ServerEntry, principal: Principal): Promise<boolean>;
}

/** The view's servers the caller's policy reaches (any kind). */
export async function visibleServers(deps: ListingDeps, principal: Principal, view: McpView) {
  const policy = await deps.policies.forTeam(principal.teamId);
  const entries = deps.registry
    .servers()
    .filter((entry) => view.includesServer(entry.spec.id) && isServerVisible(policy.compiled, entry.spec.id));
  return { policy, entries };
}

function explain(policy: CachedPolicy, principal: Principal, view: McpView): string {
  if (principal.teamId === null) return 'This credential belongs to no team, and MCP access is granted per team.';
  if (!policy.stored) {
    return 'Your team has no MCP policy yet, so nothing is shown (deny by default); an administrator can set one with `gatehouse mcp policy set --team <name>`.';
  }
  const where = view.kind === 'aggregate' ? 'any MCP server' : `${view.kind} ${view.id}`;
  return `Your team's MCP policy allows nothing of this kind on ${where}.`;
}

function rename(
  view: McpView,
  method: ListMethod,
  entry: ServerEntry,
  item: JsonObject,
  sha256: string | null,
): JsonObject {
  if (!view.namespaced) return item;
  const server = entry.spec.id;
  if (method === 'resources/list') return { ...item, uri: view.exposedUri(server, item.uri as string) };
  if (method === 'resources/templates/list') {
    return { ...item, uriTemplate: view.exposedUri(server, item.uriTemplate as string) };
  }
  const meta = typeof item._meta === 'object' && item._meta !== null ? (item._meta as JsonObject) : {};
  const kind = method === 'tools/list' ? 'tool' : 'prompt';
  return {
    ...item,
    name: view.exposedName(server, item.name as string),
    _meta: {
      ...meta,
      [`${GATEHOUSE_META}server`]: server,
      [`${GATEHOUSE_META}${kind}`]: item.name,
      [`${GATEHOUSE_META}${kind}_sha256`]: sha256,
    },
  };
}

/** The items of one server a list shows: approved (pinned kinds), in the view, allowed by policy. */
export function serverItems(method: ListMethod, entry: ServerEntry, policy: CachedPolicy, view: McpView) {
  const server = entry.spec.id;
  const { kind } = LIST_KEYS[method];
  const allowed = (name: string) => view.includes(kind, server, name) && isVisible(policy.compiled, kind, server, name);
  const out: Array<{ name: string; item: JsonObject; sha256: string | null }> = [];
  if (method === 'tools/list') {
    for (const tool of entry.tools.values()) {
      if (tool.status === 'approved' && allowed(tool.tool.name))
        out.push({ name: tool.tool.name, item: tool.tool, sha256: tool.sha256 });
    }
  } else if (method === 'prompts/list') {
    for (const prompt of entry.prompts.values()) {
      if (prompt.status === 'approved' && allowed(prompt.prompt.name))
        out.push({ name: prompt.prompt.name, item: prompt.prompt, sha256: prompt.sha256 });
    }
  } else if (method === 'resources/list') {
    for (const resource of entry.resources)
      if (allowed(resource.uri)) out.push({ name: resource.uri, item: resource, sha256: null });
  } else {
    for (const template of entry.templates.values()) {
      const uri = template.template.uriTemplate;
      if (template.status === 'approved' && allowed(uri))
        out.push({ name: uri, item: template.template, sha256: template.sha256 });
    }
  }
  return out;
}

/** What each visible server contributes to a list, before the items are renamed for the view. */
async function listPerServer(deps: ListingDeps, principal: Principal, view: McpView, method: ListMethod) {
  const { policy, entries } = await visibleServers(deps, principal, view);
  const lists = await Promise.all(
    entries.map(async (entry) => {
      try {
        // Without a grant a per-user server is listed only from what another principal's listing cached.
        if (entry.listedAt === null && deps.mayList && !(await deps.mayList(entry, principal))) return null;
        await deps.registry.catalog(entry);
      } catch {
        return null;
      }
      return { entry, items: serverItems(method, entry, policy, view) };
    }),
  );
  return { policy, entries, lists: lists.filter((list) => list !== null) };
}

export async function listForView(
  deps: ListingDeps,
  principal: Principal,
  view: McpView,
  method: ListMethod,
): Promise<ListOutcome> {
  const { key } = LIST_KEYS[method];
  const { policy, entries, lists } = await listPerServer(deps, principal, view, method);
  const items = lists.flatMap(({ entry, items }) =>
    items.map(({ item, sha256 }) => rename(view, method, entry, item, sha256)),
  );
  const policyEmpty = items.length === 0 && (entries.length === 0 || !policy.stored);
  return { key, items, notice: policyEmpty ? explain(policy, principal, view) : null };
}

/**
 * The tool an exposed name stands for in the `tools/list` this caller sees through the view, resolved as the view
 * resolves names; each `tools/call` pays one name per listed tool instead of a renamed copy of each.
 */
export async function resolveListedTool(deps: ListingDeps, principal: Principal, view: McpView, exposed: string) {
  const { lists } = await listPerServer(deps, principal, view, 'tools/list');
  const names = lists.flatMap(({ entry, items }) => items.map(({ name }) => ({ server: entry.spec.id, name })));
  return view.resolveName(exposed, names);
}
