import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Dialect, OperationOf } from '../../../domain/routing/index.ts';
import { agentSessionOf, type ClientDialect, OpenAIDialect } from '../../../llm/index.ts';
import type { CallBuilder } from '../../context.ts';
import { httpError } from '../../errors.ts';
import { dialectAnswer } from './answers.ts';
import { resolveModel } from './model-access.ts';
import { type LlmRoutesOptions, relayLlmCall, requireLlm } from './relay.ts';

/**
 * The route boundary of one model-call operation, built at registration: parses the body into the typed call
 * (schema, model as routed, stream flag, estimate), then resolves the model against the key's allow-list and the
 * model groups. The pipeline runs it before admission, so nothing it refuses is admitted.
 */
export function createCallBuilder<D extends Dialect>(
  options: LlmRoutesOptions,
  dialect: ClientDialect<D>,
  operation: OperationOf<D>,
  /** The route answers by itself when no upstream serves the operation (count_tokens estimates): no refusal. */
  answersWithoutUpstream = false,
): CallBuilder {
  const ollamaClient = dialect.id === 'ollama';
  return async function buildLlmCall(request: FastifyRequest) {
    const call = dialect.parse(operation, request.body, request.headers);
    const context = request.gh;
    const llm = requireLlm(options);
    call.model = await resolveModel(request, llm, call.model, ollamaClient);
    const feature = dialect.nativeOnly?.(call) ?? null;
    if (feature !== null && !llm.router.servesNatively(call.model, dialect.id)) {
      throw httpError('feature_needs_native_upstream', {
        feature,
        path: request.routeOptions.url ?? '',
        model: call.model,
      });
    }
    // Refused here, before admission, rather than by the planner mid-call: a model whose every target is of a kind
    // without the operation (Anthropic has no completions or embeddings) is the client's to fix, not a 5xx.
    if (!answersWithoutUpstream && !llm.router.servesOperation(call.model, operation)) {
      throw httpError(
        'operation_not_supported',
        {
          model: call.model,
          path: request.routeOptions.url ?? '',
          kinds: llm.router.upstreamKinds(call.model).join('/'),
        },
        'model',
      );
    }
    call.requestId = context.requestId;
    context.setMeta('model', call.model);
    context.setMeta('stream', call.stream);
    const session = agentSessionOf(request.headers);
    if (session !== null) context.setMeta('session', session);
    return call;
  };
}

/** One handler per family, built at registration: the call was built and admitted before it runs. */
export function createCallHandler(options: LlmRoutesOptions) {
  return async function handleLlmCall(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const call = request.gh.call;
    if (call === null) throw new Error('model-call route reached its handler without a call');
    await relayLlmCall(request, reply, requireLlm(options), call, options.promptLogs ?? null);
  };
}

/** Registers every operation of a dialect at its path, under its surface. */
export function registerDialectCalls<D extends Dialect>(
  app: FastifyInstance,
  options: LlmRoutesOptions,
  dialect: ClientDialect<D>,
): void {
  const handler = createCallHandler(options);
  for (const operation of Object.keys(dialect.operations) as OperationOf<D>[]) {
    const spec = dialect.operations[operation];
    app.post(
      spec.path,
      {
        // The schema the dialect validates with documents the body (the builder, not fastify, applies it).
        config: { surface: spec.surface, body: spec.schema, buildCall: createCallBuilder(options, dialect, operation) },
        schema: { response: { 200: dialectAnswer(dialect.id) } },
      },
      handler,
    );
  }
}

/** `POST /v1/chat/completions`, `/v1/completions`, `/v1/embeddings`. */
export async function openaiCallRoutes(app: FastifyInstance, options: LlmRoutesOptions): Promise<void> {
  registerDialectCalls(app, options, OpenAIDialect);
}
