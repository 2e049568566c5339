import { asArray, isObject, type TranslateContext, toUnixSeconds } from '../translate/shared.ts';
import type { JsonObject, Usage } from '../types.ts';
import { makeUsage, withDetails } from '../usage.ts';
import { type ToolName, toolNamesOf } from './tools.ts';

/**
 * Chat completion replies turned into Responses API objects (`object: "response"`), and the usage both carry.
 * Ids derive from the request id, so a translated reply is reproducible from its inputs.
 */

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export interface ResponseIds {
  response: string;
  message: string;
  reasoning: string;
  /** The id of the n-th function call item. */
  call(index: number): string;
}

export function responseIds(requestId: string): ResponseIds {
  const base = requestId.replaceAll('-', '');
  return {
    response: `resp_${base}`,
    message: `msg_${base}`,
    reasoning: `rs_${base}`,
    call: (index) => `fc_${base}_${index}`,
  };
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}

/** Chat usage (with its cached and reasoning details) in the Responses shape. */
export function chatUsageToResponses(usage: unknown): JsonObject | null {
  if (!isObject(usage)) return null;
  const input = count(usage.prompt_tokens);
  const output = count(usage.completion_tokens);
  const inputDetails = isObject(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  const outputDetails = isObject(usage.completion_tokens_details) ? usage.completion_tokens_details : {};
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: count(inputDetails.cached_tokens) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: count(outputDetails.reasoning_tokens) },
    total_tokens: Math.max(count(usage.total_tokens), input + output),
  };
}

/**
 * Usage from a Responses API `usage` object (input/output tokens, with `input_tokens_details.cached_tokens` and
 * `output_tokens_details.reasoning_tokens` when present); null when absent.
 */
export function readResponsesUsage(value: unknown): Usage | null {
  if (!isObject(value)) return null;
  const usage = makeUsage(count(value.input_tokens), count(value.output_tokens));
  usage.total_tokens = Math.max(usage.total_tokens, count(value.total_tokens));
  return withDetails(usage, value.input_tokens_details, value.output_tokens_details);
}

/**
 * Why a response ended, as a finish reason: `incomplete_details.reason` when it was cut short
 * (`max_output_tokens`, `content_filter`), else its `status` (`completed`, `failed`); null when it names neither.
 */
export function responseFinishReason(response: JsonObject): string | null {
  const detail = isObject(response.incomplete_details) ? response.incomplete_details.reason : undefined;
  if (typeof detail === 'string') return detail;
  return typeof response.status === 'string' ? response.status : null;
}

/** Chat finish reasons → the response's status and why it is incomplete (Responses API: `incomplete_details`). */
export function statusOf(finishReason: unknown): { status: ResponseStatus; incomplete: JsonObject | null } {
  if (finishReason === 'length') return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter') return { status: 'incomplete', incomplete: { reason: 'content_filter' } };
  return { status: 'completed', incomplete: null };
}

/**
 * The response object's envelope: what the request asked for echoed back (as the Responses API does), the
 * public model name, and the given status, output and usage.
 */
export function responseObject(
  request: JsonObject,
  ctx: TranslateContext,
  state: { status: ResponseStatus; output: unknown[]; usage: JsonObject | null; incomplete?: JsonObject | null },
): JsonObject {
  const reasoning = isObject(request.reasoning) ? request.reasoning : null;
  return {
    id: responseIds(ctx.requestId).response,
    object: 'response',
    created_at: toUnixSeconds(ctx.startedAt),
    status: state.status,
    background: false,
    error: null,
    incomplete_details: state.incomplete ?? null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model: ctx.publicModel,
    output: state.output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: reasoning?.effort ?? null, summary: reasoning?.summary ?? null },
    store: false,
    temperature: request.temperature ?? null,
    text: request.text ?? { format: { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools: asArray(request.tools),
    top_p: request.top_p ?? null,
    truncation: request.truncation ?? 'disabled',
    usage: state.usage,
    user: request.user ?? null,
    metadata: request.metadata ?? {},
  };
}

export function messageItem(id: string, text: string, status: ResponseStatus): JsonObject {
  return {
    id,
    type: 'message',
    status,
    role: 'assistant',
    content: status === 'in_progress' && text === '' ? [] : [outputTextPart(text)],
  };
}

export function outputTextPart(text: string): JsonObject {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

export function reasoningItem(id: string, text: string, status: ResponseStatus): JsonObject {
  const content = status === 'in_progress' && text === '' ? [] : [{ type: 'reasoning_text', text }];
  return { id, type: 'reasoning', status, summary: [], content };
}

/** A function call item; a chat function standing for a namespaced tool is named back as that tool. */
export function functionCallItem(
  id: string,
  call: { callId: string; name: string; arguments: string },
  status: ResponseStatus,
  names: ReadonlyMap<string, ToolName>,
): JsonObject {
  const tool = names.get(call.name);
  const naming = tool === undefined ? { name: call.name } : { name: tool.name, namespace: tool.namespace };
  return { id, type: 'function_call', status, call_id: call.callId, ...naming, arguments: call.arguments };
}

/** Reasoning text as OpenAI-compatible servers put it on a chat message: vLLM and DeepSeek, or Ollama and others. */
export function reasoningText(message: JsonObject): string {
  if (typeof message.reasoning_content === 'string') return message.reasoning_content;
  return typeof message.reasoning === 'string' ? message.reasoning : '';
}

/** A chat completion (JSON) → the Responses API object, for the request it answers. */
export function chatToResponse(chat: JsonObject, request: JsonObject, ctx: TranslateContext): JsonObject {
  const ids = responseIds(ctx.requestId);
  const choice = asArray(chat.choices).find(isObject) ?? {};
  const message = isObject(choice.message) ? choice.message : {};
  const { status, incomplete } = statusOf(choice.finish_reason);
  const output: JsonObject[] = [];
  const names = toolNamesOf(request);
  const thought = reasoningText(message);
  if (thought !== '') output.push(reasoningItem(ids.reasoning, thought, 'completed'));
  const text = typeof message.content === 'string' ? message.content : '';
  const refusal = typeof message.refusal === 'string' ? message.refusal : '';
  if (text !== '') output.push(messageItem(ids.message, text, status));
  else if (refusal !== '') {
    output.push({ ...messageItem(ids.message, '', status), content: [{ type: 'refusal', refusal }] });
  }
  asArray(message.tool_calls)
    .filter(isObject)
    .forEach((call, index) => {
      const fn = isObject(call.function) ? call.function : {};
      const args = typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {});
      const callId = typeof call.id === 'string' ? call.id : `call_${ids.call(index)}`;
      output.push(
        functionCallItem(ids.call(index), { callId, name: String(fn.name ?? ''), arguments: args }, 'completed', names),
      );
    });
  return responseObject(request, ctx, { status, output, usage: chatUsageToResponses(chat.usage), incomplete });
}
