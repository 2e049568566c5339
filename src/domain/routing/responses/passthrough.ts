import { keepStringField, measureStringField } from '../stream/json-scan.ts';
import { createSseParser, type SseEvent } from '../stream/sse-parser.ts';
import { createStreamTransform, newStreamProgress, type StreamTransform, tryParseObject } from '../stream/transform.ts';
import { isObject } from '../translate/shared.ts';
import type { JsonObject } from '../types.ts';
import { ResponseEventWriter } from './events.ts';
import { readResponsesUsage, responseFinishReason } from './reply.ts';

/** The lifecycle events: each carries the whole response object, with the model name and, at the end, usage. */
const LIFECYCLE = new Set([
  'response.created',
  'response.queued',
  'response.in_progress',
  'response.completed',
  'response.incomplete',
  'response.failed',
]);
const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);
const SEQUENCE = /"sequence_number"\s*:\s*(\d+)/;
const TYPE = /"type"\s*:\s*"([^"]+)"/;

/** The event's type: its `event:` line when the server sends one (OpenAI does), else the payload's leading `type`. */
function typeOf(event: SseEvent, data: string): string | null {
  return event.event ?? TYPE.exec(data)?.[1] ?? null;
}

/**
 * Responses API SSE in and out, for upstreams that serve the Responses API. Deltas and item events go to the
 * client as the upstream's own bytes; the lifecycle events are parsed, to read the usage and to report the public
 * model name the client asked for (every other field, known or not, is kept). A broken stream ends with
 * `response.failed` and `error`, numbered after the upstream's last event.
 */
export function createResponsesPassthrough(publicModel: string): StreamTransform {
  const parser = createSseParser();
  const progress = newStreamProgress();
  const writer = new ResponseEventWriter();
  let last: JsonObject = { object: 'response', model: publicModel, output: [] };

  function relayLifecycle(type: string, payload: JsonObject, out: Buffer[]): void {
    if (isObject(payload.response)) {
      last = { ...payload.response, model: publicModel };
      const usage = readResponsesUsage(last.usage);
      if (usage !== null) progress.usage = usage;
      out.push(Buffer.from(`event: ${type}\ndata: ${JSON.stringify({ ...payload, response: last })}\n\n`));
    } else {
      out.push(Buffer.from(`event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`));
    }
    if (TERMINAL.has(type)) {
      progress.finished = true;
      // How it ended, as a JSON reply's status says (`finishReasons` on the span); else the event's own word.
      const said = isObject(payload.response) ? responseFinishReason(last) : null;
      progress.finishReason = said ?? type.slice('response.'.length);
    }
  }

  function relay(event: SseEvent, out: Buffer[]): void {
    const data = event.data;
    if (data === null) {
      out.push(event.raw);
      return;
    }
    progress.events += 1;
    const sequence = SEQUENCE.exec(data);
    if (sequence !== null) writer.continueAfter(Number(sequence[1]));
    const type = typeOf(event, data);
    if (type === 'error') {
      progress.fault = 'upstream_error';
      return;
    }
    if (type !== null && LIFECYCLE.has(type)) {
      const payload = tryParseObject(data);
      if (payload === null) {
        progress.fault = 'bad_response';
        return;
      }
      relayLifecycle(type, payload, out);
      return;
    }
    if (progress.events === 1 && tryParseObject(data) === null) {
      progress.fault = 'bad_response';
      return;
    }
    progress.completionChars += measureStringField(data, 'delta');
    const keep = progress.text;
    if (keep !== null && type === 'response.output_text.delta')
      keepStringField(data, 'delta', (text) => keep.add(text));
    out.push(event.raw);
  }

  return createStreamTransform(parser, progress, {
    relay,
    end: () => progress.finished,
    fail(code, message, out) {
      writer.failure(last, code, message, out);
    },
  });
}
