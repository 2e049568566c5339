/**
 * @module One upstream attempt as a GenAI client span (OpenTelemetry semantic conventions for GenAI spans,
 * https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/): opened before the request is sent, so its
 * `traceparent` names it, and closed when the attempt fails, its reply is read, or its stream ends. Failover is
 * therefore one span per attempt, each with its own span id, all children of the request's server span.
 *
 * Attributes are names, counts and the upstream's own reason words; no header, key or body goes in, except the
 * prompt and completion text for a key that opted in to prompt logging (`LlmCall.recordContent`).
 */
import {
  findStringMembers,
  type JsonObject,
  type LlmOperation,
  type PlannedAttempt,
  responseFinishReason,
  type StreamText,
  type UpstreamKind,
  type Usage,
} from '../domain/routing/index.ts';
import type { OutboundSpan, SpanAttributes } from '../telemetry/index.ts';
import type { ResolvedUpstream } from './router-state.ts';
import type { LlmCall } from './types.ts';

/** `gen_ai.operation.name`, by the operation the client asked for. */
const OPERATION_NAME: Readonly<Record<LlmOperation, string>> = {
  'openai.chat': 'chat',
  'openai.completions': 'text_completion',
  'openai.embeddings': 'embeddings',
  'ollama.chat': 'chat',
  'ollama.generate': 'text_completion',
  'ollama.embed': 'embeddings',
  'ollama.embeddings': 'embeddings',
  'responses.create': 'chat',
  'responses.compact': 'chat',
  'anthropic.messages': 'chat',
  'anthropic.count_tokens': 'chat',
};

/** `gen_ai.provider.name`: the convention's well-known values where one exists, else the upstream kind. */
const PROVIDER_NAME: Readonly<Record<UpstreamKind, string>> = {
  openai: 'openai',
  'azure-openai': 'azure.ai.openai',
  anthropic: 'anthropic',
  ollama: 'ollama',
};

export function startAttemptSpan(
  call: LlmCall,
  upstream: ResolvedUpstream,
  planned: PlannedAttempt,
  attempt: number,
): OutboundSpan | null {
  if (call.trace === undefined || call.trace === null) return null;
  const operation = OPERATION_NAME[call.operation];
  const model = planned.target.model;
  const attributes: SpanAttributes = {
    'gen_ai.operation.name': operation,
    'gen_ai.provider.name': PROVIDER_NAME[upstream.adapter.kind],
    'gen_ai.request.model': model,
    'gatehouse.model': call.model,
    'gatehouse.upstream': planned.target.upstream,
    'gatehouse.attempt': attempt,
    'gatehouse.fallback': planned.fallback,
  };
  const span = call.trace.startSpan(`${operation} ${model}`, attributes);
  if (span.recording && call.recordContent === true) span.set(inputContent(call.body));
  return span;
}

/** The client's prompt as sent, in its own dialect's shape (messages, input, prompt, system). */
function inputContent(body: JsonObject): SpanAttributes {
  const attributes: SpanAttributes = {};
  const input = body.messages ?? body.input ?? body.prompt;
  if (input !== undefined) attributes['gen_ai.input.messages'] = JSON.stringify(input);
  const system = body.system ?? body.instructions;
  if (system !== undefined) attributes['gen_ai.system_instructions'] = JSON.stringify(system);
  return attributes;
}

/** Token counts under their convention names; cache and reasoning counts only when the upstream reported them. */
export function usageAttributes(usage: Usage): SpanAttributes {
  const attributes: SpanAttributes = {
    'gen_ai.usage.input_tokens': usage.prompt_tokens,
    'gen_ai.usage.output_tokens': usage.completion_tokens,
  };
  if (usage.cache_read_tokens !== undefined)
    attributes['gen_ai.usage.cache_read.input_tokens'] = usage.cache_read_tokens;
  if (usage.cache_write_tokens !== undefined)
    attributes['gen_ai.usage.cache_creation.input_tokens'] = usage.cache_write_tokens;
  if (usage.reasoning_tokens !== undefined) attributes['gen_ai.usage.reasoning.output_tokens'] = usage.reasoning_tokens;
  return attributes;
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Finish reasons as the upstream words them: OpenAI `choices[].finish_reason`, Anthropic `stop_reason`, Ollama
 * `done_reason`, Responses `status` (with `incomplete_details.reason` when cut short).
 */
export function finishReasons(reply: JsonObject): string[] {
  const reasons: string[] = [];
  if (Array.isArray(reply.choices)) {
    for (const choice of reply.choices) {
      if (isObject(choice) && typeof choice.finish_reason === 'string') reasons.push(choice.finish_reason);
    }
  }
  if (typeof reply.stop_reason === 'string') reasons.push(reply.stop_reason);
  if (typeof reply.done_reason === 'string') reasons.push(reply.done_reason);
  if (reply.object === 'response') {
    const reason = responseFinishReason(reply);
    if (reason !== null) reasons.push(reason);
  }
  return reasons;
}

/** What a JSON reply tells the span: the answering model, response id, finish reasons, usage, and opted-in text. */
export function replyAttributes(reply: JsonObject, usage: Usage, recordContent: boolean): SpanAttributes {
  const attributes = usageAttributes(usage);
  if (typeof reply.model === 'string') attributes['gen_ai.response.model'] = reply.model;
  if (typeof reply.id === 'string') attributes['gen_ai.response.id'] = reply.id;
  const reasons = finishReasons(reply);
  if (reasons.length > 0) attributes['gen_ai.response.finish_reasons'] = reasons;
  if (recordContent) {
    const output = reply.choices ?? reply.content ?? reply.output ?? reply.message ?? reply.response;
    if (output !== undefined) attributes['gen_ai.output.messages'] = JSON.stringify(output);
  }
  return attributes;
}

/** OpenAI's `n` is at most 128: no reply has more finish reasons than that. */
const MAX_FINISH_REASONS = 128;

/**
 * The finish reasons of a reply too large to parse whole (`choices[].finish_reason`, found in its bytes), as the
 * span attribute; none for embeddings, which have none and are the largest replies, so they are not searched.
 */
export function scannedFinishReasons(body: Buffer, operation: LlmOperation): SpanAttributes {
  if (OPERATION_NAME[operation] === 'embeddings') return {};
  const reasons = findStringMembers(body, 'finish_reason', MAX_FINISH_REASONS);
  return reasons.length === 0 ? {} : { 'gen_ai.response.finish_reasons': reasons };
}

/**
 * A stream's generated text as `gen_ai.output.messages`, in the shape the upstream's JSON reply gives its output
 * (`choices`, `content`, `output`, `message`, `response`: what `replyAttributes` records for JSON replies), so one
 * attribute reads the same for streamed and JSON calls. Text only: reasoning and tool-call arguments are left out.
 */
export function streamedOutputAttributes(
  operation: LlmOperation,
  text: StreamText,
  reason: string | null,
): SpanAttributes {
  const content = text.value;
  let output: unknown;
  switch (operation) {
    case 'openai.completions':
      output = [{ index: 0, text: content, finish_reason: reason }];
      break;
    case 'anthropic.messages':
      output = [{ type: 'text', text: content }];
      break;
    case 'responses.create':
      output = [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: content }] }];
      break;
    case 'ollama.chat':
      output = { role: 'assistant', content };
      break;
    case 'ollama.generate':
      output = content;
      break;
    default:
      output = [{ index: 0, message: { role: 'assistant', content }, finish_reason: reason }];
  }
  const attributes: SpanAttributes = { 'gen_ai.output.messages': JSON.stringify(output) };
  if (text.truncated) attributes['gatehouse.output.truncated'] = true;
  return attributes;
}
