import type { Usage } from '../types.ts';
import { readOpenAIUsage } from '../usage.ts';
import { measureStringField } from './json-scan.ts';
import { createSseParser, type SseEvent } from './sse-parser.ts';
import { openAIStreamError, type StreamFault, type StreamTransform, tryParseObject } from './transform.ts';

const DONE = Buffer.from('data: [DONE]\n\n');
const FINISH_REASON = /"finish_reason"\s*:\s*"/;

/**
 * OpenAI SSE in, OpenAI SSE out. Events are forwarded as the upstream's own bytes; only events that mention
 * usage or an error are parsed. The usage-only chunk (`choices: []`, sent because the gateway always asks for
 * `stream_options.include_usage`) is dropped when the client did not ask for it, since clients that never
 * requested it may choke on an empty `choices` array.
 */
export function createOpenAIPassthrough(options: { clientWantsUsage: boolean }): StreamTransform {
  const parser = createSseParser();
  const events: SseEvent[] = [];
  let count = 0;
  let fault: StreamFault | null = null;
  let finished = false;
  let usage: Usage | null = null;
  let completionChars = 0;
  let sawFinishReason = false;

  function relay(event: SseEvent, out: Buffer[]): void {
    const data = event.data;
    if (data === null) {
      out.push(event.raw);
      return;
    }
    count += 1;
    if (data === '[DONE]') {
      finished = true;
      out.push(event.raw);
      return;
    }
    const mentionsUsage = data.includes('"usage"');
    const mentionsError = event.event === 'error' || data.includes('"error"');
    const parsed = count === 1 || mentionsUsage || mentionsError ? tryParseObject(data) : undefined;
    if (parsed === null) {
      fault = 'bad_response';
      return;
    }
    if (
      parsed !== undefined &&
      (event.event === 'error' || (parsed.error !== undefined && parsed.choices === undefined))
    ) {
      fault = 'upstream_error';
      return;
    }
    completionChars += measureStringField(data, 'content') + measureStringField(data, 'text');
    completionChars += measureStringField(data, 'reasoning_content');
    if (!sawFinishReason && FINISH_REASON.test(data)) sawFinishReason = true;
    if (parsed !== undefined && mentionsUsage) {
      const reported = readOpenAIUsage(parsed.usage);
      if (reported !== null) {
        usage = reported;
        if (!options.clientWantsUsage && Array.isArray(parsed.choices) && parsed.choices.length === 0) return;
      }
    }
    out.push(event.raw);
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
      // A finish_reason is the model's own end of output; a server that then omits `[DONE]` lost nothing, and the
      // client still gets the terminator it waits for.
      if (!finished && fault === null && sawFinishReason) {
        finished = true;
        out.push(DONE);
      }
      return finished;
    },
    fail(code, message, out) {
      out.push(openAIStreamError(code, message));
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
