/**
 * @module Virtual servers: a named set of tools, prompts and resources from several upstreams, served at
 * `/mcp/virtual/{name}` to give an agent exactly the toolset it needs (reference §A.8: aggregated lists bloat an
 * agent's context). Defined in the config file (read-only) or through the admin API (stored, picked up by every
 * instance when the store's revision moves, as team policies are). Team policy still applies inside one.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { SERVER_ID_PATTERN } from '../domain/mcp/index.ts';
import { mcpExtrasRepository, type Store } from '../store/index.ts';
import type { RevisionSource } from './policy.ts';
import { PolicyValidationError } from './policy.ts';
import { McpView, type VirtualServerDefinition } from './views.ts';

const Glob = Type.String({ minLength: 1, maxLength: 1024, pattern: '^[\\x21-\\x7e]+$' });
const Globs = Type.Array(Glob, { minItems: 1, maxItems: 256 });

export const VIRTUAL_NAME_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$';

export const VirtualMemberSchema = Type.Object(
  {
    server: Type.String({ pattern: SERVER_ID_PATTERN }),
    tools: Type.Optional(Globs),
    prompts: Type.Optional(Globs),
    resources: Type.Optional(Globs),
  },
  { additionalProperties: false },
);

/** The body of `PUT /admin/v1/mcp/virtual-servers/{name}` and an entry of `mcp.virtual_servers`. */
export const VirtualServerBodySchema = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 512 })),
    members: Type.Array(VirtualMemberSchema, { minItems: 1, maxItems: 64 }),
  },
  { additionalProperties: false },
);
export type VirtualServerBody = Static<typeof VirtualServerBodySchema>;

export function parseVirtualServer(name: string, input: unknown): VirtualServerDefinition {
  const first = Value.Errors(VirtualServerBodySchema, input).First();
  if (first) {
    const field = first.path ? first.path.slice(1).replaceAll('/', '.') : 'body';
    throw new PolicyValidationError(field, `${field} ${first.message}`);
  }
  const body = input as VirtualServerBody;
  return { name, description: body.description ?? '', members: body.members };
}

interface StoredView {
  definition: VirtualServerDefinition;
  view: McpView;
  source: 'config' | 'admin';
  updatedBy: string | null;
}

export class VirtualServerStore {
  private readonly store: Store;
  private readonly fromConfig: Map<string, StoredView>;
  private cache: Map<string, StoredView> | null = null;
  private cachedAt = 0;
  private revision = -1;
  private source: RevisionSource | null = null;

  constructor(store: Store, configured: VirtualServerDefinition[]) {
    this.store = store;
    this.fromConfig = new Map(
      configured.map((definition) => [
        definition.name,
        { definition, view: McpView.virtual(definition), source: 'config' as const, updatedBy: null },
      ]),
    );
  }

  useRevisionSource(source: RevisionSource): void {
    this.source = source;
  }

  private current(now: number): boolean {
    if (this.cache === null) return false;
    if (this.source?.isFresh(now)) return this.revision === this.source.revision;
    return now - this.cachedAt < 1000;
  }

  /** Every virtual server; config definitions shadow stored ones of the same name. */
  async all(): Promise<Map<string, StoredView>> {
    const now = Date.now();
    if (this.cache !== null && this.current(now)) return this.cache;
    const revision = this.source?.revision ?? -1;
    const rows = await mcpExtrasRepository.listVirtualServers(this.store.read);
    const next = new Map<string, StoredView>();
    for (const row of rows) {
      const definition = { name: row.name, ...(JSON.parse(row.definition) as Omit<VirtualServerDefinition, 'name'>) };
      next.set(row.name, { definition, view: McpView.virtual(definition), source: 'admin', updatedBy: row.updatedBy });
    }
    for (const [name, stored] of this.fromConfig) next.set(name, stored);
    this.cache = next;
    this.cachedAt = now;
    this.revision = revision;
    return next;
  }

  async view(name: string): Promise<McpView | null> {
    return (await this.all()).get(name)?.view ?? null;
  }
}
