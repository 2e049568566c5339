import { measureStringField } from '../stream/json-scan.ts';
import { createSseParser, type SseEvent } from '../stream/sse-parser.ts';
import {
  encodeNdjson,
  ollamaStreamError,
  type StreamFault,
  type StreamTransform,
  tryParseObject,
} from '../stream/transform.ts';
import type { JsonObject, Usage } from '../types.ts';
import { readOpenAIUsage } from '../usage.ts';
import { asArray, isObject, nanosSince, parseArguments, type TranslateContext, toOllamaDoneReason } from './shared.ts';

interface PendingToolCall {
  name: string;
  args: string;
}

/**
 * OpenAI chat-completion SSE in, Ollama NDJSON out (`/api/chat` or `/api/generate` shape). Tool-call argument
 * fragments are reassembled, because Ollama clients expect each call whole, with `arguments` as an object.
 */
export function createOpenAIToOllamaStream(kind: 'chat' | 'generate', ctx: TranslateContext): StreamTransform {
  const parser = createSseParser();
  const events: SseEvent[] = [];
  const toolCalls: PendingToolCall[] = [];
  let count = 0;
  let fault: StreamFault | null = null;
  let finished = false;
  let usage: Usage | null = null;
  let completionChars = 0;
  let finishReason: unknown = null;

  function line(fields: JsonObject): Buffer {
    return encodeNdjson({ model: ctx.publicModel, created_at: new Date(ctx.now()).toISOString(), ...fields });
  }

  function textLine(content: string, thinking: string | undefined): Buffer {
    if (kind === 'generate') return line({ response: content, done: false });
    const message: JsonObject = { role: 'assistant', content };
    if (thinking !== undefined) message.thinking = thinking;
    return line({ message, done: false });
  }

  function collectToolCalls(delta: JsonObject): void {
    for (const raw of asArray(delta.tool_calls)) {
      if (!isObject(raw)) continue;
      const index = typeof raw.index === 'number' ? raw.index : toolCalls.length;
      const fn = isObject(raw.function) ? raw.function : {};
      let call = toolCalls[index];
      if (call === undefined) {
        call = { name: '', args: '' };
        toolCalls[index] = call;
      }
      if (typeof fn.name === 'string') call.name += fn.name;
      if (typeof fn.arguments === 'string') call.args += fn.arguments;
    }
  }

  function finish(out: Buffer[]): void {
    finished = true;
    const calls = toolCalls.filter(Boolean);
    if (kind === 'chat' && calls.length > 0) {
      const tool_calls = calls.map((call) => ({ function: { name: call.name, arguments: parseArguments(call.args) } }));
      out.push(line({ message: { role: 'assistant', content: '', tool_calls }, done: false }));
    }
    const closing: JsonObject =
      kind === 'generate' ? { response: '' } : { message: { role: 'assistant', content: '' } };
    out.push(
      line({
        ...closing,
        done: true,
        done_reason: toOllamaDoneReason(finishReason),
        total_duration: nanosSince(ctx.startedAt, ctx.now()),
        load_duration: 0,
        prompt_eval_count: usage?.prompt_tokens ?? 0,
        prompt_eval_duration: 0,
        eval_count: usage?.completion_tokens ?? 0,
        eval_duration: 0,
      }),
    );
  }

  function relay(event: SseEvent, out: Buffer[]): void {
    if (event.data === null || finished) return;
    count += 1;
    if (event.data === '[DONE]') {
      finish(out);
      return;
    }
    const chunk = tryParseObject(event.data);
    if (chunk === null) {
      fault = 'bad_response';
      return;
    }
    if (event.event === 'error' || (chunk.error !== undefined && chunk.choices === undefined)) {
      fault = 'upstream_error';
      return;
    }
    usage = readOpenAIUsage(chunk.usage) ?? usage;
    const choice = asArray(chunk.choices)[0];
    if (!isObject(choice)) return;
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) finishReason = choice.finish_reason;
    const delta = isObject(choice.delta) ? choice.delta : {};
    collectToolCalls(delta);
    const content = typeof delta.content === 'string' ? delta.content : '';
    const thinking = typeof delta.reasoning_content === 'string' ? delta.reasoning_content : undefined;
    completionChars += measureStringField(event.data, 'content') + measureStringField(event.data, 'reasoning_content');
    if (content.length > 0 || (thinking !== undefined && thinking.length > 0)) out.push(textLine(content, thinking));
  }

  return {
    push(chunk, out) {
      if (fault !== null) return;
      if (!parser.push(chunk, events)) fault = 'bad_response';
      for (const event of events) {
        if (fault === null) relay(event, out);
      }
      events.length = 0;
    },
    end(out) {
      // A finish_reason is the model's own end of output; a server that then omits `[DONE]` lost nothing.
      if (!finished && fault === null && finishReason !== null) finish(out);
      return finished;
    },
    fail(_code, message, out) {
      out.push(ollamaStreamError(message));
    },
    get events() {
      return count;
    },
    get fault() {
      return fault;
    },
    get finished() {
      return finished;
    },
    get usage() {
      return usage;
    },
    get completionChars() {
      return completionChars;
    },
  };
}
