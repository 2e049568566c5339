import type { ModelGroupSpec, RoutingConfig } from '../providers/index.ts';
import type { UpstreamInput } from './types.ts';

export type LlmSource = 'config' | 'admin' | 'default';

/** Where the router's tables come from; merged in this precedence: config file, admin API, discovery. */
export interface CatalogSources {
  file: RoutingConfig;
  /** The local-Ollama default, present only when the config file declares no upstreams. */
  defaultUpstream: UpstreamInput | null;
  stored: RoutingConfig;
  /** Groups found on the default upstream (its own model names). */
  discovered: readonly ModelGroupSpec[];
}

export interface MergedCatalog {
  config: RoutingConfig;
  sourceOfUpstream: Map<string, LlmSource>;
  sourceOfGroup: Map<string, LlmSource>;
  /** Groups left out because a target names no upstream (an upstream deleted on another instance). */
  dropped: string[];
}

/**
 * One routing config from all sources. Ids are unique across sources (the admin API refuses a clash with the
 * file), so the first definition of an id wins and later ones are ignored rather than failing the refresh.
 */
export function mergeCatalog(sources: CatalogSources): MergedCatalog {
  const upstreams: UpstreamInput[] = [];
  const sourceOfUpstream = new Map<string, LlmSource>();
  const addUpstream = (upstream: UpstreamInput, source: LlmSource): void => {
    if (sourceOfUpstream.has(upstream.id)) return;
    sourceOfUpstream.set(upstream.id, source);
    upstreams.push(upstream);
  };
  for (const upstream of sources.file.upstreams) addUpstream(upstream, 'config');
  if (sources.defaultUpstream !== null) addUpstream(sources.defaultUpstream, 'default');
  for (const upstream of sources.stored.upstreams) addUpstream(upstream, 'admin');

  const models: ModelGroupSpec[] = [];
  const sourceOfGroup = new Map<string, LlmSource>();
  const dropped: string[] = [];
  const addGroup = (group: ModelGroupSpec, source: LlmSource): void => {
    if (sourceOfGroup.has(group.name)) return;
    if (!group.targets.every((target) => sourceOfUpstream.has(target.upstream))) {
      dropped.push(group.name);
      return;
    }
    sourceOfGroup.set(group.name, source);
    models.push(group);
  };
  for (const group of sources.file.models) addGroup(group, 'config');
  for (const group of sources.stored.models) addGroup(group, 'admin');
  for (const group of sources.discovered) addGroup(group, 'default');
  return { config: { upstreams, models }, sourceOfUpstream, sourceOfGroup, dropped };
}

/**
 * Reference errors a write through the admin API would introduce, as a message; null when consistent. Fallbacks
 * may also name groups from `otherGroups` (the file's, discovered ones).
 */
export function findReferenceError(config: RoutingConfig, otherGroups: Iterable<string> = []): string | null {
  const upstreams = new Set(config.upstreams.map((upstream) => upstream.id));
  const groups = new Set([...config.models.map((group) => group.name), ...otherGroups]);
  for (const group of config.models) {
    for (const target of group.targets) {
      if (!upstreams.has(target.upstream))
        return `model group ${group.name} targets unknown upstream ${target.upstream}`;
    }
    for (const fallback of group.fallbacks ?? []) {
      if (!groups.has(fallback)) return `model group ${group.name} falls back to unknown model group ${fallback}`;
    }
  }
  return null;
}
