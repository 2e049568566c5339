import type { Usage } from '../types.ts';
import { readOllamaUsage } from '../usage.ts';
import { measureStringField } from './json-scan.ts';
import { createNdjsonParser, type NdjsonLine } from './ndjson-parser.ts';
import { ollamaStreamError, type StreamFault, type StreamTransform, tryParseObject } from './transform.ts';

/**
 * Ollama NDJSON in, Ollama NDJSON out. Lines are forwarded as received; only the first line, the final
 * `"done":true` line (which carries `prompt_eval_count`/`eval_count`) and error lines are parsed.
 */
export function createOllamaPassthrough(): StreamTransform {
  const parser = createNdjsonParser();
  const lines: NdjsonLine[] = [];
  let count = 0;
  let fault: StreamFault | null = null;
  let finished = false;
  let usage: Usage | null = null;
  let completionChars = 0;

  function relay(line: NdjsonLine, out: Buffer[]): void {
    count += 1;
    const text = line.text;
    const isDone = /"done"\s*:\s*true/.test(text);
    const parsed = count === 1 || isDone || text.includes('"error"') ? tryParseObject(text) : undefined;
    if (parsed === null) {
      fault = 'bad_response';
      return;
    }
    if (parsed?.error !== undefined) {
      fault = 'upstream_error';
      return;
    }
    completionChars += measureStringField(text, 'content') + measureStringField(text, 'response');
    completionChars += measureStringField(text, 'thinking');
    if (parsed !== undefined && parsed.done === true) {
      finished = true;
      usage = readOllamaUsage(parsed) ?? usage;
    }
    out.push(line.raw);
  }

  return {
    push(chunk, out) {
      if (fault !== null) return;
      if (!parser.push(chunk, lines)) fault = 'bad_response';
      for (const line of lines) {
        if (fault === null) relay(line, out);
      }
      lines.length = 0;
    },
    end(out) {
      const last = parser.flush();
      if (last !== null && fault === null) relay(last, out);
      return finished && fault === null;
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
