import type { StreamTransform } from './transform.ts';

/**
 * Two transforms in series: upstream bytes go through `first` (which reads the upstream's usage and marks the
 * commit point), and what it writes goes through `second` into the client's dialect. A translation through a
 * pivot dialect (Responses → chat → Ollama) is then the two existing translations, not a third one written out.
 * `fail` is `second`'s: the in-band error is written in the client's dialect.
 */
export function chainStreamTransforms(first: StreamTransform, second: StreamTransform): StreamTransform {
  const middle: Buffer[] = [];

  function forward(out: Buffer[]): void {
    for (const chunk of middle) second.push(chunk, out);
    middle.length = 0;
  }

  return {
    push(chunk, out) {
      first.push(chunk, middle);
      forward(out);
    },
    end(out) {
      // An incomplete upstream appends nothing and the caller writes the in-band error: `second` must not close.
      if (!first.end(middle)) return false;
      forward(out);
      return second.end(out);
    },
    fail: second.fail,
    // The upstream's text, as `first` reads it: what `second` writes is the same text in the client's dialect.
    keepText: (limitBytes) => first.keepText(limitBytes),
    get events() {
      return first.events;
    },
    get fault() {
      return first.fault ?? second.fault;
    },
    get finished() {
      return first.finished && second.finished;
    },
    get usage() {
      return first.usage;
    },
    get completionChars() {
      return first.completionChars;
    },
    get finishReason() {
      return first.finishReason;
    },
    get text() {
      return first.text;
    },
  };
}
