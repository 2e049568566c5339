import type { Surface } from '../../surfaces.ts';
import { LLM_CALL_META } from '../openai/surfaces.ts';

function call(id: string, path: string, permission: string, description: string): Surface {
  return {
    id,
    method: 'POST',
    path,
    auth: ['key'],
    permissions: [permission],
    auditMeta: LLM_CALL_META,
    classification: 'confidential',
    description,
    dialect: 'ollama',
  };
}

function read(id: string, method: string, path: string, description: string, auditMeta: string[] = []): Surface {
  return {
    id,
    method,
    path,
    auth: ['key'],
    permissions: ['llm.models.read'],
    auditMeta,
    classification: 'internal',
    description,
    dialect: 'ollama',
  };
}

/**
 * Model management (pull, push, create, copy, delete, blobs) is never exposed: an agent holding a key must not
 * change what a shared Ollama serves or fill its disk. These routes exist only to refuse, after authentication,
 * so every attempt is audited under its own surface instead of an anonymous 404.
 */
export const BLOCKED_OLLAMA_PATHS = [
  '/api/pull',
  '/api/push',
  '/api/create',
  '/api/copy',
  '/api/delete',
  '/api/blobs/:digest',
];

const blocked: Surface[] = BLOCKED_OLLAMA_PATHS.map((path) => ({
  id: `ollama.blocked.${path.split('/')[2]}`,
  method: '*',
  path,
  auth: ['key'],
  permissions: ['llm.models.read'],
  auditMeta: [],
  classification: 'internal',
  description: `Ollama model management (${path}): always refused with 403 ollama_endpoint_blocked.`,
  dialect: 'ollama',
}));

export const ollamaSurfaces: Surface[] = [
  call('ollama.chat', '/api/chat', 'llm.chat', 'Ollama-native chat (NDJSON stream or JSON), routed with failover.'),
  call('ollama.generate', '/api/generate', 'llm.completions', 'Ollama-native generate (NDJSON stream or JSON).'),
  call('ollama.embed', '/api/embed', 'llm.embeddings', 'Ollama-native embeddings (batch).'),
  call('ollama.embeddings', '/api/embeddings', 'llm.embeddings', 'Ollama-native legacy embeddings (one prompt).'),
  read('ollama.tags', 'GET', '/api/tags', 'The models the calling key may use, in Ollama form.'),
  read('ollama.show', 'POST', '/api/show', 'Details of one model the calling key may use.', ['model']),
  read('ollama.ps', 'GET', '/api/ps', 'Models "loaded": the ones the calling key may use.'),
  read('ollama.version', 'GET', '/api/version', 'The Ollama API version the gateway implements.'),
  ...blocked,
];
