import { keepStringField, measureStringField } from '../stream/json-scan.ts';
import { createSseParser, type SseEvent } from '../stream/sse-parser.ts';
import { createStreamTransform, newStreamProgress, type StreamTransform, tryParseObject } from '../stream/transform.ts';
import { readAnthropicUsage } from '../translate/anthropic-shared.ts';
import { isObject } from '../translate/shared.ts';
import type { JsonObject } from '../types.ts';
import { anthropicErrorEvent } from './events.ts';

const TYPE = /"type"\s*:\s*"([^"]+)"/;
const STOP_REASON = /"stop_reason"\s*:\s*"/;
const MESSAGE_STOP = Buffer.from('event: message_stop\ndata: {"type":"message_stop"}\n\n');

/** The event's type: its `event:` line (Anthropic always sends one), else the payload's leading `type`. */
function typeOf(event: SseEvent, data: string): string | null {
  return event.event ?? TYPE.exec(data)?.[1] ?? null;
}

/**
 * Messages API SSE in and out, for Anthropic upstreams. Every event goes to the client as the upstream's own
 * bytes, except `message_start` when it names another model than the client asked for (an alias's target, the
 * dated snapshot Anthropic reports for an alias): the client sees the name it asked for. Usage is split across the stream (Messages API, "Streaming": input and cache counts in
 * `message_start`, the cumulative output count, and sometimes updated input counts, in `message_delta`), so the
 * two are merged field by field. An upstream `error` event, garbage, or a cut stream ends in an in-band `error`
 * event; never in a `message_stop` the upstream did not send.
 */
export function createAnthropicPassthrough(publicModel: string): StreamTransform {
  const parser = createSseParser();
  const progress = newStreamProgress();
  let usage: JsonObject = {};
  let stopped = false;

  function readUsage(value: unknown): void {
    if (!isObject(value)) return;
    usage = { ...usage, ...value };
    progress.usage = readAnthropicUsage(usage);
  }

  function relayStart(event: SseEvent, data: string, out: Buffer[]): void {
    const payload = tryParseObject(data);
    if (payload === null || !isObject(payload.message)) {
      progress.fault = 'bad_response';
      return;
    }
    readUsage(payload.message.usage);
    if (payload.message.model === publicModel || payload.message.model === undefined) {
      out.push(event.raw);
      return;
    }
    const message = { ...payload.message, model: publicModel };
    out.push(Buffer.from(`event: message_start\ndata: ${JSON.stringify({ ...payload, message })}\n\n`));
  }

  function relay(event: SseEvent, out: Buffer[]): void {
    const data = event.data;
    if (data === null) {
      out.push(event.raw);
      return;
    }
    progress.events += 1;
    const type = typeOf(event, data);
    if (type === 'error') {
      progress.fault = 'upstream_error';
      return;
    }
    if (type === 'message_start') {
      relayStart(event, data, out);
      return;
    }
    if (progress.events === 1 && tryParseObject(data) === null) {
      progress.fault = 'bad_response';
      return;
    }
    if (type === 'message_delta') {
      const payload = tryParseObject(data);
      if (payload === null) {
        progress.fault = 'bad_response';
        return;
      }
      readUsage(payload.usage);
      if (STOP_REASON.test(data)) stopped = true;
      if (isObject(payload.delta) && typeof payload.delta.stop_reason === 'string') {
        progress.finishReason = payload.delta.stop_reason;
      }
    } else if (type === 'message_stop') {
      progress.finished = true;
    } else if (type === 'content_block_delta') {
      progress.completionChars +=
        measureStringField(data, 'text') +
        measureStringField(data, 'partial_json') +
        measureStringField(data, 'thinking');
      const keep = progress.text;
      if (keep !== null) keepStringField(data, 'text', (text) => keep.add(text));
    }
    out.push(event.raw);
  }

  return createStreamTransform(parser, progress, {
    relay,
    end(out) {
      // A stop_reason is the model's own end of output; an upstream that then omits message_stop lost nothing.
      if (!progress.finished && progress.fault === null && stopped) {
        progress.finished = true;
        out.push(MESSAGE_STOP);
      }
      return progress.finished;
    },
    fail(code, message, out) {
      out.push(anthropicErrorEvent(code, message));
    },
  });
}
