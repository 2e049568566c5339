import { ConfigError, type FileConfig } from '../config/index.ts';
import { parseDuration } from '../domain/keys/index.ts';
import type { ModelGroupSpec, RoutingConfig } from '../providers/index.ts';
import type { ModelGroupFileEntry, UpstreamFileEntry } from './config-schema.ts';

/** The routing part of the config file, resolved: env references replaced, durations in milliseconds. */
export interface LlmFileConfig extends RoutingConfig {
  /** True when the file declares `upstreams`; otherwise the local-Ollama default applies. */
  explicit: boolean;
  reasoningModels: string[] | null;
}

const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * An `api_keys` entry is either `${NAME}` (read from the environment, the documented convention) or a literal,
 * which only makes sense for placeholder keys local servers ignore (`ollama`, `lm-studio`).
 */
export function resolveSecretReference(value: string, field: string, env: NodeJS.ProcessEnv): string {
  const match = ENV_REFERENCE.exec(value);
  if (match === null) return value;
  const name = match[1] as string;
  const resolved = env[name];
  if (resolved === undefined || resolved === '') {
    throw new ConfigError(field, `references the environment variable ${name}, which is not set`);
  }
  return resolved;
}

function toMillis(value: string | number | undefined, field: string): number | undefined {
  if (value === undefined || typeof value === 'number') return value;
  const ms = parseDuration(value);
  if (ms === null) throw new ConfigError(field, `"${value}" is not a duration like 120s, 2m or 500ms`);
  return ms;
}

function resolveUpstream(entry: UpstreamFileEntry, index: number, env: NodeJS.ProcessEnv) {
  const keys = (entry.api_keys ?? []).map((key, i) =>
    resolveSecretReference(key, `upstreams.${index}.api_keys.${i}`, env),
  );
  return { ...entry, api_keys: keys };
}

function resolveModelGroup(entry: ModelGroupFileEntry, index: number): ModelGroupSpec {
  const { timeout, first_byte_timeout, idle_timeout, ...rest } = entry;
  const group: ModelGroupSpec = { ...rest };
  const timeoutMs = toMillis(timeout, `models.${index}.timeout`);
  const firstByteMs = toMillis(first_byte_timeout, `models.${index}.first_byte_timeout`);
  const idleMs = toMillis(idle_timeout, `models.${index}.idle_timeout`);
  if (timeoutMs !== undefined) group.timeout_ms = timeoutMs;
  if (firstByteMs !== undefined) group.first_byte_timeout_ms = firstByteMs;
  if (idleMs !== undefined) group.idle_timeout_ms = idleMs;
  return group;
}

/** Checks references the schema cannot: targets name declared upstreams, fallbacks name declared groups. */
function checkReferences(config: RoutingConfig): void {
  const upstreams = new Set<string>();
  config.upstreams.forEach((upstream, i) => {
    if (upstreams.has(upstream.id)) throw new ConfigError(`upstreams.${i}.id`, `duplicate upstream id ${upstream.id}`);
    upstreams.add(upstream.id);
  });
  const groups = new Set<string>();
  config.models.forEach((group, i) => {
    if (groups.has(group.name)) throw new ConfigError(`models.${i}.name`, `duplicate model ${group.name}`);
    groups.add(group.name);
    group.targets.forEach((target, j) => {
      if (!upstreams.has(target.upstream)) {
        throw new ConfigError(`models.${i}.targets.${j}.upstream`, `names no declared upstream (${target.upstream})`);
      }
    });
  });
  config.models.forEach((group, i) => {
    (group.fallbacks ?? []).forEach((fallback, j) => {
      if (!groups.has(fallback)) throw new ConfigError(`models.${i}.fallbacks.${j}`, `names no model (${fallback})`);
    });
  });
}

/** Resolves the file's LLM sections; every failure is a `ConfigError` naming the YAML path. */
export function resolveLlmFileConfig(file: FileConfig, env: NodeJS.ProcessEnv): LlmFileConfig {
  const upstreams = (file.upstreams ?? []).map((entry, i) => resolveUpstream(entry, i, env));
  const models = (file.models ?? []).map(resolveModelGroup);
  const config = { upstreams, models };
  checkReferences(config);
  return { ...config, explicit: file.upstreams !== undefined, reasoningModels: file.reasoning_models ?? null };
}
