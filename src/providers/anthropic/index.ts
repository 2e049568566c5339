import { type LlmOperation, readOpenAIModelList } from '../../domain/routing/index.ts';
import { jsonHeaders, type ProviderAdapter, type UpstreamBase } from '../provider-adapter.ts';

const PATHS: Partial<Record<LlmOperation, string>> = {
  'anthropic.messages': '/v1/messages',
  'anthropic.count_tokens': '/v1/messages/count_tokens',
};

/** The API version every request names unless the client or `api_version` names another (Messages API, "Versions"). */
export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

function withAuth(base: UpstreamBase, headers: Record<string, string>, apiKey: string | null): Record<string, string> {
  headers['anthropic-version'] = base.spec.api_version ?? DEFAULT_ANTHROPIC_VERSION;
  if (apiKey !== null) headers['x-api-key'] = apiKey;
  return headers;
}

/**
 * Anthropic's Messages API (`https://api.anthropic.com`, or any server speaking it). `base_url` is the server
 * root, without `/v1`, as the Anthropic SDKs' `baseURL` is. Keys go in `x-api-key`; `anthropic-version` is the
 * upstream's `api_version` or 2023-06-01, and a client's own version and betas replace it on passthrough. The
 * model listing (`GET /v1/models`) has `data[].id`, as OpenAI's does.
 */
export const AnthropicProvider: ProviderAdapter = {
  kind: 'anthropic',
  dialect: 'anthropic',
  buildRequest(base, operation, _model, body, stream, apiKey) {
    const path = PATHS[operation];
    if (path === undefined) throw new TypeError(`operation ${operation} is not an Anthropic Messages operation`);
    const headers = withAuth(base, jsonHeaders(base.spec, stream ? 'text/event-stream' : 'application/json'), apiKey);
    return { method: 'POST', path: `${base.basePath}${path}`, headers, body };
  },
  buildListModelsRequest(base, apiKey) {
    const headers = withAuth(base, { ...base.spec.headers, accept: 'application/json' }, apiKey);
    return { method: 'GET', path: `${base.basePath}/v1/models`, headers, body: null };
  },
  readModelList: readOpenAIModelList,
};
