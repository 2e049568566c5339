import {
  invalidToolResult,
  messagesServerTool,
  type OperationOf,
  planMessagesCall,
  readAnthropicUsage,
} from '../../../domain/routing/index.ts';
import { buildCall, compileValidators } from '../shared.ts';
import { type ClientDialect, InvalidBodyError, type OperationSpec, type RequestHeaders } from '../types.ts';
import { anthropicErrorBody } from './errors.ts';
import { CountTokensBodySchema, MessagesBodySchema } from './schemas.ts';

const OPERATIONS: { readonly [Op in OperationOf<'anthropic'>]: OperationSpec } = {
  'anthropic.messages': {
    path: '/v1/messages',
    surface: 'llm.messages',
    schema: MessagesBodySchema,
    produces: 'text',
  },
  'anthropic.count_tokens': {
    path: '/v1/messages/count_tokens',
    surface: 'llm.messages.count_tokens',
    schema: CountTokensBodySchema,
    produces: 'embeddings',
  },
};

const validators = compileValidators(OPERATIONS);

/** The headers of Anthropic's protocol an Anthropic upstream must see as the client sent them; never credentials. */
const PROTOCOL_HEADERS = ['anthropic-version', 'anthropic-beta'] as const;

function protocolHeaders(headers: RequestHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PROTOCOL_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value)) out[name] = value.join(',');
  }
  return out;
}

/**
 * Anthropic's Messages API (`/v1/messages`, `/v1/messages/count_tokens`), JSON or SSE events: what Claude Code
 * and the Anthropic SDKs speak. Anthropic upstreams get the client's bytes and protocol headers passed through.
 * Counting tokens generates nothing, so it reserves no output (`produces: 'embeddings'`). Errors use Anthropic's
 * envelope.
 */
export const AnthropicDialect: ClientDialect<'anthropic'> = {
  id: 'anthropic',
  operations: OPERATIONS,
  streamContentType: 'text/event-stream',
  parse(operation, body, headers) {
    const call = buildCall(
      AnthropicDialect,
      operation,
      OPERATIONS[operation],
      validators[operation],
      body,
      headers,
      (valid) => operation === 'anthropic.messages' && valid.stream === true,
    );
    const fault = invalidToolResult(call.body);
    if (fault !== null) throw new InvalidBodyError(fault.detail, fault.param);
    call.protocolHeaders = protocolHeaders(headers);
    return call;
  },
  nativeOnly(call) {
    // Other upstreams are reached through chat, which runs no server tools. Counting tokens needs none: the route
    // asks an Anthropic upstream, or answers from the gateway's own estimate.
    if (call.operation === 'anthropic.count_tokens') return null;
    const tool = messagesServerTool(call.body);
    return tool === null ? null : `the server tool ${tool}`;
  },
  planUpstream(call, upstream, ctx, options) {
    const client = { raw: call.rawBody ?? null, headers: call.protocolHeaders ?? {} };
    return planMessagesCall(call.operation, upstream, call.body, client, ctx, options);
  },
  readUsage: (reply) => readAnthropicUsage(reply.usage),
  errorBody: anthropicErrorBody,
};
