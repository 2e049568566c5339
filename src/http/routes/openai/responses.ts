import type { FastifyInstance } from 'fastify';
import { ResponsesDialect } from '../../../llm/index.ts';
import { httpError } from '../../errors.ts';
import { registerDialectCalls } from './chat.ts';
import type { LlmRoutesOptions } from './relay.ts';

const MAX_ID = 256;

/**
 * `POST /v1/responses` and `/v1/responses/compact` (OpenAI's Responses API: Codex CLI, the Agents SDK), and
 * `GET /v1/responses/:id`. The gateway stores no responses and cannot tell which upstream holds one (an id is
 * opaque), so retrieval is refused with a message naming the limitation rather than answered from a guess.
 */
export async function openaiResponsesRoutes(app: FastifyInstance, options: LlmRoutesOptions): Promise<void> {
  registerDialectCalls(app, options, ResponsesDialect);
  // Refused in preValidation, before the pipeline's admission: a request that cannot be served takes no slot.
  app.get<{ Params: { id: string } }>(
    '/v1/responses/:id',
    {
      config: { surface: 'llm.responses.get', alwaysRefused: true },
      preValidation: async (request) => {
        const id = request.params.id;
        throw httpError('response_not_stored', { id: id.length > MAX_ID ? `${id.slice(0, MAX_ID)}…` : id });
      },
    },
    async () => undefined,
  );
}
