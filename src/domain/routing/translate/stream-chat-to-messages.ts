import { anthropicErrorEvent } from '../anthropic/events.ts';
import { createSseParser, type SseEvent } from '../stream/sse-parser.ts';
import { createStreamTransform, newStreamProgress, type StreamTransform, tryParseObject } from '../stream/transform.ts';
import type { JsonObject } from '../types.ts';
import { readOpenAIUsage } from '../usage.ts';
import { chatUsageToAnthropic, encodeAnthropicEvent, toAnthropicStopReason } from './anthropic-shared.ts';
import { chatReasoning } from './messages-to-chat.ts';
import { asArray, isObject, type TranslateContext } from './shared.ts';

type BlockKind = 'thinking' | 'text' | 'tool_use';

/**
 * Chat completion SSE in, Anthropic Messages SSE out, in the order the Messages API streams: `message_start`
 * first, then each content block as `content_block_start`, its deltas and `content_block_stop` (one block open at
 * a time: a text run, a thinking run, or one tool call whose arguments stream as `input_json_delta`), then
 * `message_delta` with the stop reason and usage, and `message_stop`. Chat reports usage only at the end, so
 * `message_start` carries zeros and `message_delta` the whole count, input included (the SDKs take it from there).
 */
export function createChatToMessagesStream(ctx: TranslateContext): StreamTransform {
  const parser = createSseParser();
  const progress = newStreamProgress();
  let started = false;
  let open: { kind: BlockKind; call: number } | null = null;
  let blocks = 0;
  const closedCalls = new Set<number>();
  let finishReason: unknown = null;
  let sawToolUse = false;
  let usage: unknown = null;

  function start(out: Buffer[]): void {
    if (started) return;
    started = true;
    const message = {
      id: `msg_${ctx.requestId}`,
      type: 'message',
      role: 'assistant',
      model: ctx.publicModel,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    out.push(encodeAnthropicEvent({ type: 'message_start', message }));
  }

  function closeBlock(out: Buffer[]): void {
    if (open === null) return;
    if (open.kind === 'tool_use') closedCalls.add(open.call);
    out.push(encodeAnthropicEvent({ type: 'content_block_stop', index: blocks - 1 }));
    open = null;
  }

  function openBlock(kind: BlockKind, block: JsonObject, call: number, out: Buffer[]): void {
    closeBlock(out);
    out.push(encodeAnthropicEvent({ type: 'content_block_start', index: blocks, content_block: block }));
    blocks += 1;
    open = { kind, call };
  }

  function appendText(kind: 'thinking' | 'text', text: string, out: Buffer[]): void {
    if (open?.kind !== kind) {
      openBlock(
        kind,
        kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' },
        -1,
        out,
      );
    }
    progress.completionChars += text.length;
    if (kind === 'text') progress.text?.add(text);
    const delta = kind === 'text' ? { type: 'text_delta', text } : { type: 'thinking_delta', thinking: text };
    out.push(encodeAnthropicEvent({ type: 'content_block_delta', index: blocks - 1, delta }));
  }

  /** Chat servers stream one call after another; arguments for a call already closed cannot be placed. */
  function appendCall(call: JsonObject, out: Buffer[]): void {
    const position = typeof call.index === 'number' ? call.index : 0;
    const fn = isObject(call.function) ? call.function : {};
    if (closedCalls.has(position)) {
      progress.fault = 'bad_response';
      return;
    }
    if (open?.kind !== 'tool_use' || open.call !== position) {
      const id = typeof call.id === 'string' ? call.id : `toolu_${ctx.requestId}_${position}`;
      const name = typeof fn.name === 'string' ? fn.name : '';
      openBlock('tool_use', { type: 'tool_use', id, name, input: {} }, position, out);
      sawToolUse = true;
    }
    const partial = typeof fn.arguments === 'string' ? fn.arguments : '';
    if (partial === '') return;
    progress.completionChars += partial.length;
    const delta = { type: 'input_json_delta', partial_json: partial };
    out.push(encodeAnthropicEvent({ type: 'content_block_delta', index: blocks - 1, delta }));
  }

  function relayChunk(chunk: JsonObject, out: Buffer[]): void {
    start(out);
    if (isObject(chunk.usage)) {
      usage = chunk.usage;
      progress.usage = readOpenAIUsage(chunk.usage);
    }
    const choice = asArray(chunk.choices).find(isObject);
    if (choice === undefined) return;
    const delta = isObject(choice.delta) ? choice.delta : {};
    const thought = chatReasoning(delta);
    if (thought !== '') appendText('thinking', thought, out);
    if (typeof delta.content === 'string' && delta.content !== '') appendText('text', delta.content, out);
    for (const call of asArray(delta.tool_calls)) if (isObject(call) && progress.fault === null) appendCall(call, out);
    if (choice.finish_reason !== undefined && choice.finish_reason !== null) finishReason = choice.finish_reason;
    if (typeof choice.finish_reason === 'string') progress.finishReason = choice.finish_reason;
  }

  function finish(out: Buffer[]): void {
    start(out);
    closeBlock(out);
    const stopReason = sawToolUse ? 'tool_use' : toAnthropicStopReason(finishReason);
    const delta = { stop_reason: stopReason, stop_sequence: null };
    out.push(encodeAnthropicEvent({ type: 'message_delta', delta, usage: chatUsageToAnthropic(usage) }));
    out.push(encodeAnthropicEvent({ type: 'message_stop' }));
    progress.finished = true;
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
    relayChunk(chunk, out);
  }

  return createStreamTransform(parser, progress, {
    relay,
    end(out) {
      // The model's own finish_reason means nothing was lost when a server then omits `[DONE]`.
      if (!progress.finished && progress.fault === null && finishReason !== null) finish(out);
      return progress.finished;
    },
    fail(code, message, out) {
      out.push(anthropicErrorEvent(code, message));
    },
  });
}
