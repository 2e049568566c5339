import { readOpenAIModelList } from '../../domain/routing/index.ts';
import { openAIPath } from '../openai/index.ts';
import { jsonHeaders, type ProviderAdapter, type UpstreamBase } from '../provider-adapter.ts';

/** The GA data-plane version (learn.microsoft.com, "Azure OpenAI in Azure AI Foundry Models API lifecycle"). */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

/** `base_url` may be the resource origin or already end in `/openai`; both yield one `/openai` prefix. */
function prefix(base: UpstreamBase): string {
  return base.basePath.endsWith('/openai') ? base.basePath : `${base.basePath}/openai`;
}

function query(base: UpstreamBase): string {
  return `api-version=${encodeURIComponent(base.spec.api_version ?? DEFAULT_AZURE_API_VERSION)}`;
}

function withKey(headers: Record<string, string>, apiKey: string | null): Record<string, string> {
  if (apiKey !== null) headers['api-key'] = apiKey;
  return headers;
}

/**
 * Azure OpenAI: the target's `model` is the deployment name, routed in the URL
 * (`/openai/deployments/{deployment}/chat/completions?api-version=…`), with the key in an `api-key` header.
 */
export const AzureOpenAIProvider: ProviderAdapter = {
  kind: 'azure-openai',
  dialect: 'openai',
  buildRequest(base, operation, model, body, stream, apiKey) {
    const headers = withKey(jsonHeaders(base.spec, stream ? 'text/event-stream' : 'application/json'), apiKey);
    const deployment = encodeURIComponent(model);
    const path = `${prefix(base)}/deployments/${deployment}${openAIPath(operation)}?${query(base)}`;
    return { method: 'POST', path, headers, body };
  },
  buildListModelsRequest(base, apiKey) {
    const headers = withKey({ ...base.spec.headers, accept: 'application/json' }, apiKey);
    return { method: 'GET', path: `${prefix(base)}/models?${query(base)}`, headers, body: null };
  },
  readModelList: readOpenAIModelList,
};
