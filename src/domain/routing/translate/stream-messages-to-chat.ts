import { createSseParser, type SseEvent } from '../stream/sse-parser.ts';
import {
  createStreamTransform,
  encodeSseData,
  newStreamProgress,
  openAIStreamError,
  type StreamTransform,
  tryParseObject,
} from '../stream/transform.ts';
import type { JsonObject } from '../types.ts';
import { anthropicUsageToChat, readAnthropicUsage, toChatFinishReason } from './anthropic-shared.ts';
import { isObject, type TranslateContext, toUnixSeconds } from './shared.ts';

const DONE = Buffer.from('data: [DONE]\n\n');

/**
 * Anthropic Messages SSE in, chat completion chunks out. Anthropic splits usage: `message_start` carries the
 * input counts and `message_delta` the output count (and, on newer servers, input counts again, which win).
 * Each `tool_use` block becomes one chat tool call, numbered in order of appearance, whose `input_json_delta`
 * fragments stream as argument deltas. `message_stop` ends the stream with the finish chunk, the usage chunk when
 * the client asked for it (`stream_options.include_usage`), and `[DONE]`; `ping` is dropped.
 */
export function createMessagesToChatStream(ctx: TranslateContext, clientWantsUsage: boolean): StreamTransform {
  const parser = createSseParser();
  const progress = newStreamProgress();
  const id = `chatcmpl-${ctx.requestId}`;
  const created = toUnixSeconds(ctx.startedAt);
  const usage: JsonObject = {};
  /** Content block index → chat tool call index, for the blocks that are tool calls. */
  const calls = new Map<number, number>();
  let stopReason: unknown = null;

  function chunk(delta: JsonObject, finishReason: string | null = null): Buffer {
    return encodeSseData({
      id,
      object: 'chat.completion.chunk',
      created,
      model: ctx.publicModel,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
    });
  }

  function mergeUsage(value: unknown): void {
    if (!isObject(value)) return;
    for (const [key, count] of Object.entries(value)) if (typeof count === 'number') usage[key] = count;
    progress.usage = readAnthropicUsage(usage);
  }

  function startBlock(event: JsonObject, out: Buffer[]): void {
    const block = isObject(event.content_block) ? event.content_block : {};
    const index = typeof event.index === 'number' ? event.index : -1;
    if (block.type === 'tool_use') {
      const call = calls.size;
      calls.set(index, call);
      const fn = { name: block.name, arguments: '' };
      out.push(chunk({ tool_calls: [{ index: call, id: block.id, type: 'function', function: fn }] }));
    } else if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
      progress.completionChars += block.text.length;
      progress.text?.add(block.text);
      out.push(chunk({ content: block.text }));
    }
  }

  function delta(event: JsonObject, out: Buffer[]): void {
    const change = isObject(event.delta) ? event.delta : {};
    if (change.type === 'text_delta' && typeof change.text === 'string') {
      progress.completionChars += change.text.length;
      progress.text?.add(change.text);
      out.push(chunk({ content: change.text }));
    } else if (change.type === 'thinking_delta' && typeof change.thinking === 'string') {
      progress.completionChars += change.thinking.length;
      out.push(chunk({ reasoning_content: change.thinking }));
    } else if (change.type === 'input_json_delta' && typeof change.partial_json === 'string') {
      const call = calls.get(typeof event.index === 'number' ? event.index : -1);
      if (call === undefined) {
        progress.fault = 'bad_response';
        return;
      }
      progress.completionChars += change.partial_json.length;
      out.push(chunk({ tool_calls: [{ index: call, function: { arguments: change.partial_json } }] }));
    }
  }

  function stop(out: Buffer[]): void {
    progress.finished = true;
    out.push(chunk({}, toChatFinishReason(stopReason)));
    if (clientWantsUsage) {
      const payload = { id, object: 'chat.completion.chunk', created, model: ctx.publicModel, choices: [] };
      out.push(encodeSseData({ ...payload, usage: anthropicUsageToChat(usage) }));
    }
    out.push(DONE);
  }

  function relay(event: SseEvent, out: Buffer[]): void {
    if (event.data === null || progress.finished) return;
    const body = tryParseObject(event.data);
    if (body === null) {
      progress.fault = 'bad_response';
      return;
    }
    const type = body.type ?? event.event;
    if (type === 'ping') return;
    progress.events += 1;
    switch (type) {
      case 'message_start':
        mergeUsage(isObject(body.message) ? body.message.usage : null);
        out.push(chunk({ role: 'assistant', content: '' }));
        return;
      case 'content_block_start':
        startBlock(body, out);
        return;
      case 'content_block_delta':
        delta(body, out);
        return;
      case 'content_block_stop':
        return;
      case 'message_delta':
        if (isObject(body.delta) && body.delta.stop_reason !== undefined) stopReason = body.delta.stop_reason;
        if (isObject(body.delta) && typeof body.delta.stop_reason === 'string') {
          progress.finishReason = body.delta.stop_reason;
        }
        mergeUsage(body.usage);
        return;
      case 'message_stop':
        stop(out);
        return;
      case 'error':
        progress.fault = 'upstream_error';
        return;
      default:
        // New event types are additive by Anthropic's versioning policy ("Versions": clients must ignore them).
        return;
    }
  }

  return createStreamTransform(parser, progress, {
    relay,
    end: () => progress.finished,
    fail(code, message, out) {
      out.push(openAIStreamError(code, message));
    },
  });
}
