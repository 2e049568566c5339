import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OperationOf } from '../../../domain/routing/index.ts';
import { AnthropicDialect } from '../../../llm/index.ts';
import { createCallBuilder, createCallHandler } from '../openai/chat.ts';
import { type LlmRoutesOptions, relayLlmCall, requireLlm } from '../openai/relay.ts';
import { MessagesAnswer } from './answers.ts';

/** The bodies as the client sent them, kept from the parser to the call builder (passthrough is byte-faithful). */
const rawBodies = new WeakMap<FastifyRequest, string>();

/**
 * Parses JSON as every route does (depth-limited, prototype keys refused), keeping the text for passthrough: an
 * Anthropic upstream receives the client's bytes, so fields and formatting the gateway does not know survive.
 */
function keepRawBodies(app: FastifyInstance): void {
  const parse = app.jsonBodyParser;
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, function parseAndKeep(request, body, done) {
    rawBodies.set(request, body as string);
    parse(request, body as string, done);
  });
}

function createMessagesCallBuilder(options: LlmRoutesOptions, operation: OperationOf<'anthropic'>) {
  const build = createCallBuilder(options, AnthropicDialect, operation, operation === 'anthropic.count_tokens');
  return async function buildMessagesCall(request: FastifyRequest) {
    const call = await build(request);
    const raw = rawBodies.get(request);
    if (raw !== undefined) call.rawBody = Buffer.from(raw);
    return call;
  };
}

/**
 * `POST /v1/messages/count_tokens`: asked of the upstream when every target of the model is an Anthropic one,
 * else answered from the gateway's own estimate (the one admission reserved with), since no other dialect has
 * the operation. Nothing is generated, so nothing is metered either way.
 */
function createCountTokensHandler(options: LlmRoutesOptions) {
  return async function countTokens(request: FastifyRequest, reply: FastifyReply) {
    const call = request.gh.call;
    if (call === null) throw new Error('count_tokens reached its handler without a call');
    const llm = requireLlm(options);
    if (llm.router.servesNatively(call.model, 'anthropic')) {
      await relayLlmCall(request, reply, llm, call, options.promptLogs ?? null);
      return;
    }
    request.gh.usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    request.gh.setMeta('usage_estimated', true);
    return { input_tokens: call.promptTokens };
  };
}

/** `POST /v1/messages` and `/v1/messages/count_tokens`, answering errors in Anthropic's envelope. */
export async function anthropicMessagesRoutes(app: FastifyInstance, options: LlmRoutesOptions): Promise<void> {
  keepRawBodies(app);
  const handlers = {
    'anthropic.messages': createCallHandler(options),
    'anthropic.count_tokens': createCountTokensHandler(options),
  };
  for (const operation of Object.keys(AnthropicDialect.operations) as OperationOf<'anthropic'>[]) {
    const spec = AnthropicDialect.operations[operation];
    app.post(
      spec.path,
      {
        config: {
          surface: spec.surface,
          body: spec.schema,
          buildCall: createMessagesCallBuilder(options, operation),
        },
        schema: { response: { 200: MessagesAnswer[operation] } },
      },
      handlers[operation],
    );
  }
}
