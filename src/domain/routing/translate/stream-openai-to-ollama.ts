import { measureStringField } from '../stream/json-scan.ts';
import { createSseParser, type SseEvent } from '../stream/sse-parser.ts';
import {
  createStreamTransform,
  encodeNdjson,
  newStreamProgress,
  ollamaStreamError,
  type StreamTransform,
  tryParseObject,
} from '../stream/transform.ts';
import type { JsonObject } from '../types.ts';
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
  const toolCalls: PendingToolCall[] = [];
  const progress = newStreamProgress();
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
    progress.finished = true;
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
        prompt_eval_count: progress.usage?.prompt_tokens ?? 0,
        prompt_eval_duration: 0,
        eval_count: progress.usage?.completion_tokens ?? 0,
        eval_duration: 0,
      }),
    );
  }

  function relay(event: SseEvent, out: Buffer[]): void {
    if (event.data === null || progress.finished) return;
    progress.events += 1;
    if (event.data === '[DONE]') {
      finish(out);
      return;
    }
    const chunk = tryParseObject(event.data);
    if (chunk === null) {
      progress.fault = 'bad_response';
      return;
    }
    if (event.event === 'error' || (chunk.error !== undefined && chunk.choices === undefined)) {
      progress.fault = 'upstream_error';
      return;
    }
    progress.usage = readOpenAIUsage(chunk.usage) ?? progress.usage;
    const choice = asArray(chunk.choices)[0];
    if (!isObject(choice)) return;
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) finishReason = choice.finish_reason;
    if (typeof choice.finish_reason === 'string') progress.finishReason = choice.finish_reason;
    const delta = isObject(choice.delta) ? choice.delta : {};
    collectToolCalls(delta);
    const content = typeof delta.content === 'string' ? delta.content : '';
    progress.text?.add(content);
    const thinking = typeof delta.reasoning_content === 'string' ? delta.reasoning_content : undefined;
    progress.completionChars +=
      measureStringField(event.data, 'content') + measureStringField(event.data, 'reasoning_content');
    if (content.length > 0 || (thinking !== undefined && thinking.length > 0)) out.push(textLine(content, thinking));
  }

  return createStreamTransform(parser, progress, {
    relay,
    end(out) {
      // A finish_reason is the model's own end of output; a server that then omits `[DONE]` lost nothing.
      if (!progress.finished && progress.fault === null && finishReason !== null) finish(out);
      return progress.finished;
    },
    fail(_code, message, out) {
      out.push(ollamaStreamError(message));
    },
  });
}
