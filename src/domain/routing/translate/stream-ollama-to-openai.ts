import { createNdjsonParser, type NdjsonLine } from '../stream/ndjson-parser.ts';
import {
  createStreamTransform,
  encodeSseData,
  newStreamProgress,
  openAIStreamError,
  type StreamTransform,
  tryParseObject,
} from '../stream/transform.ts';
import type { JsonObject } from '../types.ts';
import { readOllamaUsage } from '../usage.ts';
import { asArray, isObject, type TranslateContext, toOpenAIFinishReason, toUnixSeconds } from './shared.ts';

const DONE = Buffer.from('data: [DONE]\n\n');

/**
 * Ollama NDJSON in (`/api/chat` or `/api/generate`), OpenAI SSE out (chat-completion or text-completion
 * chunks). The usage chunk is emitted only when the client asked for it with `stream_options.include_usage`.
 */
export function createOllamaToOpenAIStream(
  kind: 'chat' | 'completions',
  ctx: TranslateContext,
  clientWantsUsage: boolean,
): StreamTransform {
  const parser = createNdjsonParser();
  const id = kind === 'chat' ? `chatcmpl-${ctx.requestId}` : `cmpl-${ctx.requestId}`;
  const object = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
  const created = toUnixSeconds(ctx.startedAt);
  const progress = newStreamProgress();
  let sentRole = false;
  let toolCallCount = 0;

  function chunk(choice: JsonObject, extra?: JsonObject): Buffer {
    return encodeSseData({ id, object, created, model: ctx.publicModel, choices: [choice], ...extra });
  }

  function chatDelta(message: JsonObject): JsonObject {
    const delta: JsonObject = {};
    if (!sentRole) {
      delta.role = 'assistant';
      sentRole = true;
    }
    delta.content = typeof message.content === 'string' ? message.content : '';
    if (typeof message.thinking === 'string' && message.thinking.length > 0) delta.reasoning_content = message.thinking;
    const calls = asArray(message.tool_calls).filter(isObject);
    if (calls.length > 0) {
      delta.tool_calls = calls.map((call) => {
        const fn = isObject(call.function) ? call.function : {};
        const index = toolCallCount++;
        return {
          index,
          id: `call_${ctx.requestId}_${index}`,
          type: 'function',
          function: { name: fn.name, arguments: JSON.stringify(fn.arguments ?? {}) },
        };
      });
    }
    return delta;
  }

  function relay(line: NdjsonLine, out: Buffer[]): void {
    if (progress.finished) return;
    progress.events += 1;
    const body = tryParseObject(line.text);
    if (body === null) {
      progress.fault = 'bad_response';
      return;
    }
    if (body.error !== undefined) {
      progress.fault = 'upstream_error';
      return;
    }
    const message = isObject(body.message) ? body.message : {};
    const text = kind === 'chat' ? message.content : body.response;
    if (typeof text === 'string') {
      progress.completionChars += text.length;
      progress.text?.add(text);
    }
    if (typeof message.thinking === 'string') progress.completionChars += message.thinking.length;
    if (kind === 'chat') {
      const delta = chatDelta(message);
      if (body.done !== true || delta.content !== '' || delta.tool_calls !== undefined) {
        out.push(chunk({ index: 0, delta, finish_reason: null, logprobs: null }));
      }
    } else if (typeof text === 'string' && text.length > 0) {
      out.push(chunk({ text, index: 0, logprobs: null, finish_reason: null }));
    }
    if (body.done !== true) return;
    progress.finished = true;
    progress.usage = readOllamaUsage(body);
    const finishReason = toOpenAIFinishReason(body.done_reason, toolCallCount > 0);
    if (typeof body.done_reason === 'string') progress.finishReason = body.done_reason;
    out.push(
      kind === 'chat'
        ? chunk({ index: 0, delta: {}, finish_reason: finishReason, logprobs: null })
        : chunk({ text: '', index: 0, logprobs: null, finish_reason: finishReason }),
    );
    if (clientWantsUsage && progress.usage !== null) {
      out.push(encodeSseData({ id, object, created, model: ctx.publicModel, choices: [], usage: progress.usage }));
    }
    out.push(DONE);
  }

  return createStreamTransform(parser, progress, {
    relay,
    end: () => progress.finished && progress.fault === null,
    fail(code, message, out) {
      out.push(openAIStreamError(code, message));
    },
  });
}
