import type { Surface } from '../../surfaces.ts';

/** What an LLM call's audit event may carry besides upstream and usage: never prompts or completions. */
export const LLM_CALL_META = [
  'model',
  'stream',
  'ttft_ms',
  'queue_wait_ms',
  'truncated',
  'usage_estimated',
  'upstream_error',
  'session',
];

/**
 * Anthropic's SDKs and Claude Code send `anthropic-version` on every request, OpenAI's never do: on the model
 * listing both call, it picks Anthropic's shape for the answer and Anthropic's envelope for the errors.
 */
export const ANTHROPIC_CLIENT = { name: 'anthropic-version', dialect: 'anthropic' } as const;

const ADMIN_AUTH: Surface['auth'] = ['admin_token', 'jwt'];

function adminSurface(
  id: string,
  method: string,
  path: string,
  write: boolean,
  description: string,
  family: 'llm' | 'prices' = 'llm',
): Surface {
  return {
    id,
    method,
    path,
    auth: ADMIN_AUTH,
    permissions: [`admin.${family}.${write ? 'write' : 'read'}`],
    scope: 'platform',
    auditMeta: ['resource'],
    classification: write ? 'restricted' : 'internal',
    description,
  };
}

export const openaiSurfaces: Surface[] = [
  {
    id: 'llm.chat',
    method: 'POST',
    path: '/v1/chat/completions',
    auth: ['key'],
    permissions: ['llm.chat'],
    auditMeta: LLM_CALL_META,
    classification: 'confidential',
    description: 'OpenAI-compatible chat completions (JSON or SSE), routed over the model group with failover.',
  },
  {
    id: 'llm.completions',
    method: 'POST',
    path: '/v1/completions',
    auth: ['key'],
    permissions: ['llm.completions'],
    auditMeta: LLM_CALL_META,
    classification: 'confidential',
    description: 'OpenAI-compatible legacy text completions (JSON or SSE).',
  },
  {
    id: 'llm.embeddings',
    method: 'POST',
    path: '/v1/embeddings',
    auth: ['key'],
    permissions: ['llm.embeddings'],
    auditMeta: LLM_CALL_META,
    classification: 'confidential',
    description: 'OpenAI-compatible embeddings (float or base64).',
  },
  {
    id: 'llm.responses',
    method: 'POST',
    path: '/v1/responses',
    auth: ['key'],
    permissions: ['llm.responses'],
    auditMeta: LLM_CALL_META,
    classification: 'confidential',
    description:
      'OpenAI Responses API (JSON or typed SSE events): passed through to upstreams declared with responses_api, translated through chat completions for the others.',
  },
  {
    id: 'llm.responses.compact',
    method: 'POST',
    path: '/v1/responses/compact',
    auth: ['key'],
    permissions: ['llm.responses'],
    auditMeta: LLM_CALL_META,
    classification: 'confidential',
    description: 'Compacts a conversation (Codex); only upstreams declared with responses_api serve it.',
  },
  {
    id: 'llm.responses.get',
    method: 'GET',
    path: '/v1/responses/:id',
    auth: ['key'],
    permissions: ['llm.responses'],
    auditMeta: [],
    classification: 'internal',
    description: 'Retrieving a stored response: always 404 response_not_stored, since Gatehouse keeps none.',
  },
  {
    id: 'llm.models.list',
    method: 'GET',
    path: '/v1/models',
    auth: ['key'],
    permissions: ['llm.models.read'],
    auditMeta: [],
    classification: 'internal',
    dialectHeader: ANTHROPIC_CLIENT,
    description: 'The models the calling key may use.',
  },
  {
    id: 'llm.models.get',
    method: 'GET',
    path: '/v1/models/:model',
    auth: ['key'],
    permissions: ['llm.models.read'],
    auditMeta: ['model'],
    classification: 'internal',
    dialectHeader: ANTHROPIC_CLIENT,
    description: 'One model the calling key may use (404 otherwise).',
  },
  adminSurface(
    'admin.llm.upstreams.list',
    'GET',
    '/admin/v1/llm/upstreams',
    false,
    'Every LLM upstream, with its source (config, admin, default); never its API keys.',
  ),
  adminSurface(
    'admin.llm.upstreams.create',
    'POST',
    '/admin/v1/llm/upstreams',
    true,
    'Adds an LLM upstream; its API keys are stored as envelopes.',
  ),
  adminSurface(
    'admin.llm.upstreams.get',
    'GET',
    '/admin/v1/llm/upstreams/:id',
    false,
    'One LLM upstream and its last probe (never its API keys).',
  ),
  adminSurface(
    'admin.llm.upstreams.update',
    'PUT',
    '/admin/v1/llm/upstreams/:id',
    true,
    'Replaces an admin-defined upstream; omitted api_keys keep the stored ones.',
  ),
  adminSurface(
    'admin.llm.upstreams.delete',
    'DELETE',
    '/admin/v1/llm/upstreams/:id',
    true,
    'Removes an admin-defined upstream no model group targets.',
  ),
  adminSurface(
    'admin.llm.model_groups.list',
    'GET',
    '/admin/v1/llm/model_groups',
    false,
    'Every model group (public model name), with its source.',
  ),
  adminSurface(
    'admin.llm.model_groups.create',
    'POST',
    '/admin/v1/llm/model_groups',
    true,
    'Adds a model group: weighted targets, fallbacks, timeouts.',
  ),
  adminSurface('admin.llm.model_groups.get', 'GET', '/admin/v1/llm/model_groups/:id', false, 'One model group.'),
  adminSurface(
    'admin.llm.model_groups.update',
    'PUT',
    '/admin/v1/llm/model_groups/:id',
    true,
    'Replaces an admin-defined model group.',
  ),
  adminSurface(
    'admin.llm.model_groups.delete',
    'DELETE',
    '/admin/v1/llm/model_groups/:id',
    true,
    'Removes an admin-defined model group.',
  ),
  // Prices have their own permissions: who sets what a budget is charged need not control routing, nor the reverse.
  adminSurface(
    'admin.llm.prices.list',
    'GET',
    '/admin/v1/llm/prices',
    false,
    'Every model price in force (USD per million tokens), with its source: admin, config or the built-in defaults.',
    'prices',
  ),
  adminSurface(
    'admin.llm.prices.get',
    'GET',
    '/admin/v1/llm/prices/:model',
    false,
    'The price in force for one model.',
    'prices',
  ),
  adminSurface(
    'admin.llm.prices.set',
    'PUT',
    '/admin/v1/llm/prices/:model',
    true,
    "Sets a model's price, over any config or default row; cost budgets use it from the next request, on every instance within a second.",
    'prices',
  ),
  adminSurface(
    'admin.llm.prices.delete',
    'DELETE',
    '/admin/v1/llm/prices/:model',
    true,
    'Removes an admin-set price; the config or default row, if any, applies again.',
    'prices',
  ),
];
