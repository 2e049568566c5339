import { type LlmOperation, readOpenAIModelList } from '../../domain/routing/index.ts';
import { jsonHeaders, type ProviderAdapter, type UpstreamBase } from '../provider-adapter.ts';

const PATHS: Partial<Record<LlmOperation, string>> = {
  'openai.chat': '/chat/completions',
  'openai.completions': '/completions',
  'openai.embeddings': '/embeddings',
  'responses.create': '/responses',
  'responses.compact': '/responses/compact',
};

function withAuth(headers: Record<string, string>, apiKey: string | null): Record<string, string> {
  if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
  return headers;
}

export function openAIPath(operation: LlmOperation): string {
  const path = PATHS[operation];
  if (path === undefined) throw new TypeError(`operation ${operation} is not an OpenAI-compatible operation`);
  return path;
}

/**
 * Any OpenAI-compatible server: OpenAI, vLLM, LM Studio, llama.cpp, Ollama's `/v1`. `base_url` carries the API
 * prefix (`https://api.openai.com/v1`), as every OpenAI SDK's `baseURL` does.
 */
export const OpenAIProvider: ProviderAdapter = {
  kind: 'openai',
  dialect: 'openai',
  buildRequest(base: UpstreamBase, operation, _model, body, stream, apiKey) {
    const headers = withAuth(jsonHeaders(base.spec, stream ? 'text/event-stream' : 'application/json'), apiKey);
    return { method: 'POST', path: `${base.basePath}${openAIPath(operation)}`, headers, body };
  },
  buildListModelsRequest(base, apiKey) {
    const headers = withAuth({ ...base.spec.headers, accept: 'application/json' }, apiKey);
    return { method: 'GET', path: `${base.basePath}/models`, headers, body: null };
  },
  readModelList: readOpenAIModelList,
};
