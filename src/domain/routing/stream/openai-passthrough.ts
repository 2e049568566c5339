import type { PublicModelName } from '../public-model.ts';
import { readOpenAIUsage } from '../usage.ts';
import { keepStringField, measureStringField } from './json-scan.ts';
import { createSseParser, type SseEvent } from './sse-parser.ts';
import {
  createStreamTransform,
  newStreamProgress,
  openAIStreamError,
  type StreamTransform,
  tryParseObject,
} from './transform.ts';

const DONE = Buffer.from('data: [DONE]\n\n');
/** Captures the reason word; tested only until a reason arrives, so the stream's other events pay nothing. */
const FINISH_REASON = /"finish_reason"\s*:\s*"([^"\\]+)"/;

/**
 * OpenAI SSE in, OpenAI SSE out. Events are forwarded as the upstream's own bytes; only events that mention
 * usage or an error are parsed. The usage-only chunk (`choices: []`, sent because the gateway always asks for
 * `stream_options.include_usage`) is dropped when the client did not ask for it, since clients that never
 * requested it may choke on an empty `choices` array. With `publicModel`, each event names the model the client
 * asked for (the parser hands over whole events, so a name is never split across two).
 */
export function createOpenAIPassthrough(options: {
  clientWantsUsage: boolean;
  publicModel?: PublicModelName | null;
}): StreamTransform {
  const rename = options.publicModel ?? null;
  const parser = createSseParser();
  const progress = newStreamProgress();
  let sawFinishReason = false;

  function relay(event: SseEvent, out: Buffer[]): void {
    const data = event.data;
    if (data === null) {
      out.push(event.raw);
      return;
    }
    progress.events += 1;
    if (data === '[DONE]') {
      progress.finished = true;
      out.push(event.raw);
      return;
    }
    const mentionsUsage = data.includes('"usage"');
    const mentionsError = event.event === 'error' || data.includes('"error"');
    const parsed = progress.events === 1 || mentionsUsage || mentionsError ? tryParseObject(data) : undefined;
    if (parsed === null) {
      progress.fault = 'bad_response';
      return;
    }
    if (
      parsed !== undefined &&
      (event.event === 'error' || (parsed.error !== undefined && parsed.choices === undefined))
    ) {
      progress.fault = 'upstream_error';
      return;
    }
    progress.completionChars += measureStringField(data, 'content') + measureStringField(data, 'text');
    progress.completionChars += measureStringField(data, 'reasoning_content');
    if (progress.text !== null) {
      const keep = progress.text;
      keepStringField(data, 'content', (text) => keep.add(text));
      keepStringField(data, 'text', (text) => keep.add(text));
    }
    if (!sawFinishReason) {
      const reason = FINISH_REASON.exec(data);
      if (reason !== null) {
        sawFinishReason = true;
        progress.finishReason = reason[1] ?? null;
      }
    }
    if (parsed !== undefined && mentionsUsage) {
      const reported = readOpenAIUsage(parsed.usage);
      if (reported !== null) {
        progress.usage = reported;
        if (!options.clientWantsUsage && Array.isArray(parsed.choices) && parsed.choices.length === 0) return;
      }
    }
    out.push(rename === null ? event.raw : rename.apply(event.raw));
  }

  return createStreamTransform(parser, progress, {
    relay,
    end(out) {
      // A finish_reason is the model's own end of output; a server that then omits `[DONE]` lost nothing, and the
      // client still gets the terminator it waits for.
      if (!progress.finished && progress.fault === null && sawFinishReason) {
        progress.finished = true;
        out.push(DONE);
      }
      return progress.finished;
    },
    fail(code, message, out) {
      out.push(openAIStreamError(code, message));
    },
  });
}
