import { createSseParser, type SseEvent } from '../stream/sse-parser.ts';
import { createStreamTransform, newStreamProgress, type StreamTransform, tryParseObject } from '../stream/transform.ts';
import { asArray, isObject, type TranslateContext } from '../translate/shared.ts';
import type { JsonObject } from '../types.ts';
import { readOpenAIUsage } from '../usage.ts';
import { ResponseEventWriter } from './events.ts';
import {
  chatUsageToResponses,
  functionCallItem,
  messageItem,
  outputTextPart,
  type ResponseStatus,
  reasoningItem,
  reasoningText,
  responseIds,
  responseObject,
  statusOf,
} from './reply.ts';
import { toolNamesOf } from './tools.ts';

/** The output item being streamed: at most one is open at a time, as in the Responses API's own streams. */
interface OpenItem {
  kind: 'reasoning' | 'message' | 'call';
  index: number;
  id: string;
  text: string;
  callId: string;
  name: string;
}

/**
 * Chat completion SSE in, Responses API SSE out: `response.created` and `response.in_progress` first, then per
 * output item `output_item.added`, its part and deltas, their `done` events and `output_item.done`, and last
 * `response.completed` (or `response.incomplete` when the model stopped at its token limit or a filter) with
 * the whole response and its usage. A chat tool call becomes a `function_call` item; reasoning text that
 * compatible servers stream (`reasoning_content`, `reasoning`) becomes a reasoning item.
 */
export function createChatToResponsesStream(request: JsonObject, ctx: TranslateContext): StreamTransform {
  const parser = createSseParser();
  const progress = newStreamProgress();
  const writer = new ResponseEventWriter();
  const ids = responseIds(ctx.requestId);
  const output: JsonObject[] = [];
  const calls = new Map<number, OpenItem>();
  const names = toolNamesOf(request);
  let open: OpenItem | null = null;
  let started = false;
  let finishReason: unknown = null;
  let usage: JsonObject | null = null;

  function snapshot(status: ResponseStatus, incomplete: JsonObject | null = null): JsonObject {
    return responseObject(request, ctx, { status, output: [...output], usage, incomplete });
  }

  function start(out: Buffer[]): void {
    if (started) return;
    started = true;
    writer.emit('response.created', { response: snapshot('in_progress') }, out);
    writer.emit('response.in_progress', { response: snapshot('in_progress') }, out);
  }

  function itemOf(item: OpenItem, status: ResponseStatus): JsonObject {
    if (item.kind === 'reasoning') return reasoningItem(item.id, item.text, status);
    if (item.kind === 'message') return messageItem(item.id, item.text, status);
    return functionCallItem(item.id, { callId: item.callId, name: item.name, arguments: item.text }, status, names);
  }

  function close(status: ResponseStatus, out: Buffer[]): void {
    const item = open;
    if (item === null) return;
    open = null;
    const at = { item_id: item.id, output_index: item.index };
    if (item.kind === 'reasoning') {
      writer.emit('response.reasoning_text.done', { ...at, content_index: 0, text: item.text }, out);
      const part = { type: 'reasoning_text', text: item.text };
      writer.emit('response.content_part.done', { ...at, content_index: 0, part }, out);
    } else if (item.kind === 'message') {
      writer.emit('response.output_text.done', { ...at, content_index: 0, text: item.text, logprobs: [] }, out);
      writer.emit('response.content_part.done', { ...at, content_index: 0, part: outputTextPart(item.text) }, out);
    } else {
      const name = names.get(item.name)?.name ?? item.name;
      writer.emit('response.function_call_arguments.done', { ...at, name, arguments: item.text }, out);
    }
    const done = itemOf(item, status);
    output[item.index] = done;
    writer.emit('response.output_item.done', { output_index: item.index, item: done }, out);
  }

  function openItem(kind: OpenItem['kind'], call: { callId: string; name: string } | null, out: Buffer[]): OpenItem {
    close('completed', out);
    const index = output.length;
    const suffix = index === 0 ? '' : `_${index}`;
    const id = kind === 'reasoning' ? `${ids.reasoning}${suffix}` : kind === 'message' ? `${ids.message}${suffix}` : '';
    const item: OpenItem = { kind, index, id: id || ids.call(index), text: '', callId: '', name: '', ...call };
    open = item;
    output.push(itemOf(item, 'in_progress'));
    writer.emit('response.output_item.added', { output_index: index, item: itemOf(item, 'in_progress') }, out);
    const at = { item_id: item.id, output_index: index, content_index: 0 };
    if (kind === 'reasoning') {
      writer.emit('response.content_part.added', { ...at, part: { type: 'reasoning_text', text: '' } }, out);
    } else if (kind === 'message') {
      writer.emit('response.content_part.added', { ...at, part: outputTextPart('') }, out);
    }
    return item;
  }

  function appendText(kind: 'reasoning' | 'message', delta: string, out: Buffer[]): void {
    const item = open?.kind === kind ? open : openItem(kind, null, out);
    item.text += delta;
    progress.completionChars += delta.length;
    const type = kind === 'reasoning' ? 'response.reasoning_text.delta' : 'response.output_text.delta';
    const extra = kind === 'message' ? { logprobs: [] } : {};
    writer.emit(type, { item_id: item.id, output_index: item.index, content_index: 0, delta, ...extra }, out);
  }

  function appendCall(call: JsonObject, out: Buffer[]): void {
    const position = typeof call.index === 'number' ? call.index : calls.size;
    const fn = isObject(call.function) ? call.function : {};
    let item = calls.get(position);
    if (item === undefined) {
      const callId = typeof call.id === 'string' ? call.id : `call_${ctx.requestId}_${position}`;
      item = openItem('call', { callId, name: typeof fn.name === 'string' ? fn.name : '' }, out);
      calls.set(position, item);
    }
    const delta = typeof fn.arguments === 'string' ? fn.arguments : '';
    if (delta === '') return;
    item.text += delta;
    progress.completionChars += delta.length;
    writer.emit('response.function_call_arguments.delta', { item_id: item.id, output_index: item.index, delta }, out);
  }

  function relayChunk(chunk: JsonObject, out: Buffer[]): void {
    start(out);
    if (chunk.usage !== undefined && chunk.usage !== null) {
      usage = chatUsageToResponses(chunk.usage);
      progress.usage = readOpenAIUsage(chunk.usage);
    }
    const choice = asArray(chunk.choices).find(isObject);
    if (choice === undefined) return;
    const delta = isObject(choice.delta) ? choice.delta : {};
    const thought = reasoningText(delta);
    if (thought !== '') appendText('reasoning', thought, out);
    if (typeof delta.content === 'string' && delta.content !== '') appendText('message', delta.content, out);
    for (const call of asArray(delta.tool_calls)) if (isObject(call)) appendCall(call, out);
    if (choice.finish_reason !== undefined && choice.finish_reason !== null) finishReason = choice.finish_reason;
  }

  function finish(out: Buffer[]): void {
    start(out);
    const { status, incomplete } = statusOf(finishReason);
    close(status, out);
    const type = status === 'incomplete' ? 'response.incomplete' : 'response.completed';
    writer.emit(type, { response: snapshot(status, incomplete) }, out);
    progress.finished = true;
  }

  function relay(event: SseEvent, out: Buffer[]): void {
    if (event.data === null) return;
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
      start(out);
      close('incomplete', out);
      writer.failure(snapshot('failed'), code, message, out);
    },
  });
}
