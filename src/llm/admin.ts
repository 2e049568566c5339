import type { ModelGroupSpec, RoutingConfig } from '../providers/index.ts';
import { NotFoundError } from '../store/index.ts';
import { findReferenceError, type LlmSource } from './catalog.ts';
import type { LlmService } from './service.ts';
import type { UpstreamInput } from './types.ts';

/** A write the current routing tables cannot take (read-only source, dangling reference, id in use). */
export class LlmConfigConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LlmConfigConflictError';
  }
}

export interface UpstreamView {
  id: string;
  provider: string;
  base_url: string;
  api_version: string | null;
  headers: Record<string, string>;
  max_connections: number | null;
  max_connections_per_tenant: number | null;
  queue_timeout_ms: number | null;
  /** How many API keys are stored; the keys themselves are write-only. */
  api_key_count: number;
  source: LlmSource;
  health: { reachable: boolean; reason: string | null };
  created_at: string | null;
  updated_at: string | null;
}

export type ModelGroupView = ModelGroupSpec & {
  source: LlmSource;
  created_at: string | null;
  updated_at: string | null;
};

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/**
 * The admin API's view of upstreams and model groups. Entries from the config file (and the local-Ollama
 * default) are listed but read-only; admin-defined ones are stored, then every instance picks them up.
 */
export class LlmAdmin {
  readonly #service: LlmService;

  constructor(service: LlmService) {
    this.#service = service;
  }

  listUpstreams(): UpstreamView[] {
    return this.#service.catalog.config.upstreams.map((upstream) => this.#upstreamView(upstream));
  }

  getUpstream(id: string): UpstreamView {
    const upstream = this.#service.catalog.config.upstreams.find((entry) => entry.id === id);
    if (upstream === undefined) throw new NotFoundError('upstream', id);
    return this.#upstreamView(upstream);
  }

  async putUpstream(spec: UpstreamInput, mode: 'create' | 'update'): Promise<UpstreamView> {
    await this.#service.refresh();
    this.#checkWritable('upstream', spec.id, this.#service.catalog.sourceOfUpstream.get(spec.id), mode);
    const stored = this.#storedConfig();
    const upstreams = stored.upstreams.filter((entry) => entry.id !== spec.id);
    this.#checkReferences({ ...stored, upstreams: [...upstreams, spec] });
    await this.#service.adminStore.putUpstream(spec, mode);
    await this.#service.refresh(true);
    return this.getUpstream(spec.id);
  }

  async deleteUpstream(id: string): Promise<void> {
    await this.#service.refresh();
    this.#checkWritable('upstream', id, this.#service.catalog.sourceOfUpstream.get(id), 'update');
    const user = this.#service.catalog.config.models.find((group) => group.targets.some((t) => t.upstream === id));
    if (user !== undefined) throw new LlmConfigConflictError(`upstream ${id} is a target of model group ${user.name}`);
    await this.#service.adminStore.deleteUpstream(id);
    await this.#service.refresh(true);
  }

  listGroups(): ModelGroupView[] {
    return this.#service.catalog.config.models.map((group) => this.#groupView(group));
  }

  getGroup(name: string): ModelGroupView {
    const group = this.#service.catalog.config.models.find((entry) => entry.name === name);
    if (group === undefined) throw new NotFoundError('model group', name);
    return this.#groupView(group);
  }

  async putGroup(spec: ModelGroupSpec, mode: 'create' | 'update'): Promise<ModelGroupView> {
    await this.#service.refresh();
    const source = this.#service.catalog.sourceOfGroup.get(spec.name);
    // A discovered Ollama model may be overridden by an admin-defined group of the same name.
    this.#checkWritable('model group', spec.name, source === 'default' && mode === 'create' ? undefined : source, mode);
    const stored = this.#storedConfig();
    const models = stored.models.filter((entry) => entry.name !== spec.name);
    this.#checkReferences({ ...stored, models: [...models, spec] });
    await this.#service.adminStore.putGroup(spec, mode);
    await this.#service.refresh(true);
    return this.getGroup(spec.name);
  }

  async deleteGroup(name: string): Promise<void> {
    await this.#service.refresh();
    this.#checkWritable('model group', name, this.#service.catalog.sourceOfGroup.get(name), 'update');
    const user = this.#service.catalog.config.models.find((group) => group.fallbacks?.includes(name));
    if (user !== undefined) throw new LlmConfigConflictError(`model group ${name} is a fallback of ${user.name}`);
    await this.#service.adminStore.deleteGroup(name);
    await this.#service.refresh(true);
  }

  #storedConfig(): RoutingConfig {
    const { upstreams, groups } = this.#service.stored;
    return { upstreams: upstreams.map((entry) => entry.spec), models: groups.map((entry) => entry.spec) };
  }

  #checkWritable(entity: string, id: string, source: LlmSource | undefined, mode: 'create' | 'update'): void {
    if (mode === 'create' && source !== undefined) {
      throw new LlmConfigConflictError(`${entity} ${id} already exists (${source})`);
    }
    if (mode === 'update' && source === undefined) throw new NotFoundError(entity, id);
    if (mode === 'update' && source !== 'admin') {
      throw new LlmConfigConflictError(
        `${entity} ${id} comes from the ${source === 'config' ? 'config file' : 'local-Ollama default'} and is read-only here`,
      );
    }
  }

  /** Checks the stored groups themselves: a merge would silently drop one whose target names no upstream. */
  #checkReferences(candidate: RoutingConfig): void {
    const merged = this.#service.previewStored(candidate);
    const problem = findReferenceError(
      { upstreams: merged.upstreams, models: candidate.models },
      merged.models.map((group) => group.name),
    );
    if (problem !== null) throw new LlmConfigConflictError(problem);
  }

  #upstreamView(upstream: UpstreamInput): UpstreamView {
    const stored = this.#service.stored.upstreams.find((entry) => entry.spec.id === upstream.id);
    const reason = this.#service.monitor.reasonFor(upstream.id);
    return {
      id: upstream.id,
      provider: upstream.provider,
      base_url: upstream.base_url,
      api_version: upstream.api_version ?? null,
      headers: upstream.headers ?? {},
      max_connections: upstream.max_connections ?? null,
      max_connections_per_tenant: upstream.max_connections_per_tenant ?? null,
      queue_timeout_ms: upstream.queue_timeout_ms ?? null,
      api_key_count: upstream.api_keys?.length ?? 0,
      source: this.#service.catalog.sourceOfUpstream.get(upstream.id) ?? 'config',
      health: { reachable: reason === null, reason },
      created_at: iso(stored?.createdAt),
      updated_at: iso(stored?.updatedAt),
    };
  }

  #groupView(group: ModelGroupSpec): ModelGroupView {
    const stored = this.#service.stored.groups.find((entry) => entry.spec.name === group.name);
    return {
      ...group,
      source: this.#service.catalog.sourceOfGroup.get(group.name) ?? 'config',
      created_at: iso(stored?.createdAt),
      updated_at: iso(stored?.updatedAt),
    };
  }
}
