/**
 * @module The `model` a client reads is the name it asked for (issue 13), whatever the upstream calls it: a target
 * configured under another name (`llama3.1:8b` behind `llama3`), or the dated snapshot an upstream reports for an
 * alias (`gpt-4o-mini-2024-07-18`). The upstream's name stays in the audit event (`upstream.target`).
 *
 * Replies and events passed through are the upstream's bytes: only the top-level `model` string's bytes are
 * replaced, so nothing is re-serialised and unknown fields stay as sent. A `model` nested deeper (a tool's
 * arguments, say) is the model's output, not a name, and is never touched.
 */
import { everyMemberHolds, findTopLevelString } from './json-members.ts';

const OPEN_BRACE = 0x7b;
const MODEL_KEY = Buffer.from('"model"');

export class PublicModelName {
  readonly name: string;
  readonly #encoded: Buffer;

  constructor(name: string) {
    this.name = name;
    // The name as JSON spells it: quotes and backslashes in a configured name stay valid JSON.
    this.#encoded = Buffer.from(JSON.stringify(name));
  }

  /**
   * One whole JSON document, SSE event or NDJSON line with its top-level `model` string naming the public model.
   * Returns `bytes` itself when it already does, has no such member or is no object. It must be whole: a
   * fragment could hold half a name, which is why streams call this once per parsed event, never per read.
   */
  apply(bytes: Buffer): Buffer {
    // An SSE event's JSON starts after `data: ` (and any `event:` line, whose value holds no brace).
    const open = bytes.indexOf(OPEN_BRACE);
    if (open === -1) return bytes;
    // Upstreams usually report the name the client asked for; that case costs one native search, not a walk.
    if (everyMemberHolds(bytes, MODEL_KEY, this.#encoded, open)) return bytes;
    const span = findTopLevelString(bytes, 'model', open);
    if (span === null) return bytes;
    const encoded = this.#encoded;
    if (span.end - span.start === encoded.length && encoded.equals(bytes.subarray(span.start, span.end))) return bytes;
    return Buffer.concat([bytes.subarray(0, span.start), encoded, bytes.subarray(span.end)]);
  }
}
