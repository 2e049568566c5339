import type { UpstreamKind } from '../domain/routing/index.ts';
import { AnthropicProvider } from './anthropic/index.ts';
import { AzureOpenAIProvider } from './azure-openai/index.ts';
import { OllamaProvider } from './ollama/index.ts';
import { OpenAIProvider } from './openai/index.ts';
import type { ProviderAdapter } from './provider-adapter.ts';

/** Upstream kind → adapter. Adding a provider adds one line here. */
export const providerAdapters: Readonly<Record<UpstreamKind, ProviderAdapter>> = Object.freeze({
  openai: OpenAIProvider,
  'azure-openai': AzureOpenAIProvider,
  ollama: OllamaProvider,
  anthropic: AnthropicProvider,
});

export function getProviderAdapter(kind: UpstreamKind): ProviderAdapter {
  const adapter = providerAdapters[kind];
  if (adapter === undefined) throw new TypeError(`unknown upstream provider kind: ${String(kind)}`);
  return adapter;
}
