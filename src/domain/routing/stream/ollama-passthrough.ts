import type { PublicModelName } from '../public-model.ts';
import { readOllamaUsage } from '../usage.ts';
import { keepStringField, measureStringField } from './json-scan.ts';
import { createNdjsonParser, type NdjsonLine } from './ndjson-parser.ts';
import {
  createStreamTransform,
  newStreamProgress,
  ollamaStreamError,
  type StreamTransform,
  tryParseObject,
} from './transform.ts';

/**
 * Ollama NDJSON in, Ollama NDJSON out. Lines are forwarded as received; only the first line, the final
 * `"done":true` line (which carries `prompt_eval_count`/`eval_count`) and error lines are parsed. With
 * `publicModel`, each line names the model the client asked for (lines are whole, so a name is never split).
 */
export function createOllamaPassthrough(publicModel: PublicModelName | null = null): StreamTransform {
  const parser = createNdjsonParser();
  const progress = newStreamProgress();

  function relay(line: NdjsonLine, out: Buffer[]): void {
    progress.events += 1;
    const text = line.text;
    const isDone = /"done"\s*:\s*true/.test(text);
    const parsed = progress.events === 1 || isDone || text.includes('"error"') ? tryParseObject(text) : undefined;
    if (parsed === null) {
      progress.fault = 'bad_response';
      return;
    }
    if (parsed?.error !== undefined) {
      progress.fault = 'upstream_error';
      return;
    }
    progress.completionChars += measureStringField(text, 'content') + measureStringField(text, 'response');
    progress.completionChars += measureStringField(text, 'thinking');
    if (progress.text !== null) {
      const keep = progress.text;
      keepStringField(text, 'content', (value) => keep.add(value));
      keepStringField(text, 'response', (value) => keep.add(value));
    }
    if (parsed !== undefined && parsed.done === true) {
      progress.finished = true;
      progress.usage = readOllamaUsage(parsed) ?? progress.usage;
      if (typeof parsed.done_reason === 'string') progress.finishReason = parsed.done_reason;
    }
    out.push(publicModel === null ? line.raw : publicModel.apply(line.raw));
  }

  return createStreamTransform(parser, progress, {
    relay,
    end: () => progress.finished && progress.fault === null,
    fail(_code, message, out) {
      out.push(ollamaStreamError(message));
    },
  });
}
