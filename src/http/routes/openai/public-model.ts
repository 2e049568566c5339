/**
 * @module The model a client reads is the public name it asked for (issue 13), on every dialect and in streams:
 * the upstream's own name (`llama3.1:8b` behind `llama3`, a dated snapshot behind an alias) stays in the audit
 * event's `upstream.target`. Only calls whose target is named differently pay for the rewrite, a byte-level
 * substitution of the `"model"` field's value: the reply is never re-serialised, and unknown fields stay as sent.
 */
import type { ResponseSink } from '../../../providers/index.ts';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class PublicModelName {
  readonly #pattern: RegExp;
  readonly #replacement: string;

  private constructor(upstreamModel: string, publicModel: string) {
    // The name as JSON encodes it, so a name with quotes or backslashes matches its escaped form.
    this.#pattern = new RegExp(`"model"(\\s*):(\\s*)${escapeRegExp(JSON.stringify(upstreamModel))}`, 'g');
    this.#replacement = `"model"$1:$2${JSON.stringify(publicModel).replaceAll('$', '$$$$')}`;
  }

  /** A rewrite when the upstream's model is named differently from the one the client asked for; else null. */
  static forCall(upstreamModel: string | null, publicModel: string): PublicModelName | null {
    if (upstreamModel === null || upstreamModel === publicModel) return null;
    return new PublicModelName(upstreamModel, publicModel);
  }

  rewrite(bytes: Buffer): Buffer {
    const text = bytes.toString('utf8');
    this.#pattern.lastIndex = 0;
    if (!this.#pattern.test(text)) return bytes;
    return Buffer.from(text.replace(this.#pattern, this.#replacement), 'utf8');
  }

  /**
   * A sink rewriting each write. The relay writes whole events (one batch of complete SSE or NDJSON events per
   * write), so a `"model"` field is never split across two writes.
   */
  wrap(sink: ResponseSink): ResponseSink {
    return {
      write: (chunk) => sink.write(this.rewrite(chunk)),
      end: (chunk) => sink.end(chunk === undefined ? undefined : this.rewrite(chunk)),
      once: (event, listener) => sink.once(event, listener),
    };
  }
}
