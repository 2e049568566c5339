import { type LlmOperation, readOllamaTags } from '../../domain/routing/index.ts';
import { jsonHeaders, type ProviderAdapter } from '../provider-adapter.ts';

const PATHS: Partial<Record<LlmOperation, string>> = {
  'ollama.chat': '/api/chat',
  'ollama.generate': '/api/generate',
  'ollama.embed': '/api/embed',
  'ollama.embeddings': '/api/embeddings',
};

function withAuth(headers: Record<string, string>, apiKey: string | null): Record<string, string> {
  if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
  return headers;
}

/**
 * Ollama's native API, local (no key) or Ollama Cloud (`https://ollama.com`, bearer API key). `base_url` is the
 * server root, without `/api`.
 */
export const OllamaProvider: ProviderAdapter = {
  kind: 'ollama',
  dialect: 'ollama',
  buildRequest(base, operation, _model, body, stream, apiKey) {
    const path = PATHS[operation];
    if (path === undefined) throw new TypeError(`operation ${operation} is not an Ollama-native operation`);
    const headers = withAuth(jsonHeaders(base.spec, stream ? 'application/x-ndjson' : 'application/json'), apiKey);
    return { method: 'POST', path: `${base.basePath}${path}`, headers, body };
  },
  buildListModelsRequest(base, apiKey) {
    const headers = withAuth({ ...base.spec.headers, accept: 'application/json' }, apiKey);
    return { method: 'GET', path: `${base.basePath}/api/tags`, headers, body: null };
  },
  readModelList: readOllamaTags,
  buildShowRequest(base, model, apiKey) {
    const headers = withAuth(jsonHeaders(base.spec, 'application/json'), apiKey);
    return { method: 'POST', path: `${base.basePath}/api/show`, headers, body: Buffer.from(JSON.stringify({ model })) };
  },
};
