/**
 * @module What one MCP endpoint shows and how it names things. The aggregate (`/mcp`) shows every server the
 * caller's policy reaches, with LLM-safe `<server>__<name>` tools and prompts and resource URIs wrapped as
 * `gatehouse://<server>/<uri>`; a server endpoint (`/mcp/servers/{id}`) shows one server with its own names, so
 * a client configured for that server works unchanged; a virtual server (`/mcp/virtual/{name}`) shows a chosen
 * subset of several servers, named as the aggregate names them. Policy always applies on top of the view.
 */
import { buildToolNameTable, globToRegExp, namespaceToolName } from '../domain/mcp/index.ts';

export interface VirtualMember {
  server: string;
  tools?: string[];
  prompts?: string[];
  resources?: string[];
}

export interface VirtualServerDefinition {
  name: string;
  description: string;
  members: VirtualMember[];
}

export type ViewKind = 'tools' | 'prompts' | 'resources';

const RESOURCE_PREFIX = 'gatehouse://';

interface CompiledMember {
  server: string;
  tools: RegExp[] | null;
  prompts: RegExp[] | null;
  resources: RegExp[] | null;
}

/** How an endpoint exposes names, and which (server, name) pairs it includes before policy. */
export class McpView {
  readonly kind: 'aggregate' | 'server' | 'virtual';
  readonly id: string;
  readonly description: string;
  private readonly members: CompiledMember[] | null;

  private constructor(kind: McpView['kind'], id: string, description: string, members: CompiledMember[] | null) {
    this.kind = kind;
    this.id = id;
    this.description = description;
    this.members = members;
  }

  static aggregate(): McpView {
    return new McpView('aggregate', '', 'Every MCP server your team may use', null);
  }

  static server(id: string): McpView {
    return new McpView('server', id, `The MCP server ${id}`, null);
  }

  static virtual(definition: VirtualServerDefinition): McpView {
    const compile = (globs: string[] | undefined) => (globs ? globs.map(globToRegExp) : null);
    const members = definition.members.map((member) => ({
      server: member.server,
      tools: compile(member.tools),
      prompts: compile(member.prompts),
      resources: compile(member.resources),
    }));
    return new McpView('virtual', definition.name, definition.description, members);
  }

  get namespaced(): boolean {
    return this.kind !== 'server';
  }

  includesServer(server: string): boolean {
    if (this.kind === 'server') return server === this.id;
    if (this.members === null) return true;
    return this.members.some((member) => member.server === server);
  }

  /** Whether the view includes an item (a virtual member lists the names it takes; no list takes none). */
  includes(kind: ViewKind, server: string, name: string): boolean {
    if (this.members === null) return this.includesServer(server);
    return this.members.some(
      (member) => member.server === server && (member[kind]?.some((p) => p.test(name)) ?? false),
    );
  }

  exposedName(server: string, name: string): string {
    return this.namespaced ? namespaceToolName(server, name) : name;
  }

  /** Maps an exposed name back through the same listing the client saw (never by parsing the name). */
  resolveName(exposed: string, listed: ReadonlyArray<{ server: string; name: string }>) {
    if (!this.namespaced) {
      const only = listed.find((item) => item.name === exposed);
      return only ? { server: only.server, name: only.name } : null;
    }
    const table = buildToolNameTable(listed.map((item) => ({ server: item.server, tool: item.name })));
    const hit = table.get(exposed);
    return hit ? { server: hit.server, name: hit.tool } : null;
  }

  exposedUri(server: string, uri: string): string {
    return this.namespaced ? `${RESOURCE_PREFIX}${server}/${uri}` : uri;
  }

  /** The server and upstream URI of an exposed URI; null when it is not one this view hands out. */
  resolveUri(exposed: string): { server: string; uri: string } | null {
    if (!this.namespaced) return { server: this.id, uri: exposed };
    if (!exposed.startsWith(RESOURCE_PREFIX)) return null;
    const rest = exposed.slice(RESOURCE_PREFIX.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) return null;
    const server = rest.slice(0, slash);
    return this.includesServer(server) ? { server, uri: rest.slice(slash + 1) } : null;
  }
}
