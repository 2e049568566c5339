import type { ListedModel, ModelGroupSpec } from '../providers/index.ts';
import type { UpstreamInput } from './types.ts';

/** The upstream id of the no-config default: a local Ollama, spoken to in its native API. */
export const DEFAULT_OLLAMA_UPSTREAM_ID = 'ollama';
export const DEFAULT_OLLAMA_URL = 'http://127.0.0.1:11434';

/** Accepts `OLLAMA_HOST` the way the Ollama CLI does: `host:port` without a scheme is plain http. */
export function normalizeOllamaUrl(value: string | undefined): string {
  if (value === undefined || value.trim() === '') return DEFAULT_OLLAMA_URL;
  const trimmed = value.trim().replace(/\/+$/, '');
  return /^https?:\/\//.test(trimmed) ? trimmed : `http://${trimmed}`;
}

export function defaultOllamaUpstream(baseUrl: string): UpstreamInput {
  return { id: DEFAULT_OLLAMA_UPSTREAM_ID, provider: 'ollama', base_url: baseUrl };
}

/** One model group per model the local Ollama lists, under its own name (`llama3.1:8b`). */
export function groupsFromDiscovery(models: readonly ListedModel[]): ModelGroupSpec[] {
  return models.map((model) => ({
    name: model.id,
    targets: [{ upstream: DEFAULT_OLLAMA_UPSTREAM_ID, model: model.id }],
  }));
}
