import type { Surface } from '../../surfaces.ts';
import { LLM_CALL_META } from '../openai/surfaces.ts';

export const anthropicSurfaces: Surface[] = [
  {
    id: 'llm.messages',
    method: 'POST',
    path: '/v1/messages',
    auth: ['key'],
    permissions: ['llm.messages'],
    dialect: 'anthropic',
    auditMeta: LLM_CALL_META,
    classification: 'confidential',
    description:
      "Anthropic Messages API (JSON or SSE events; Claude Code, the Anthropic SDKs): passed through byte for byte to anthropic upstreams. Errors use Anthropic's envelope.",
  },
  {
    id: 'llm.messages.count_tokens',
    method: 'POST',
    path: '/v1/messages/count_tokens',
    auth: ['key'],
    permissions: ['llm.messages'],
    dialect: 'anthropic',
    auditMeta: LLM_CALL_META,
    classification: 'confidential',
    description:
      'Counts the input tokens of a Messages request: asked of the upstream when the model is served by anthropic upstreams only, estimated by the gateway otherwise.',
  },
];
