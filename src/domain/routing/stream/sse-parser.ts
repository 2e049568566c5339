/**
 * Incremental parser for `text/event-stream` (WHATWG HTML, "Server-sent events", §9.2.6 "Interpreting an event
 * stream"): lines end in CRLF, LF or CR, and a blank line dispatches the event. It hands back each event's exact
 * bytes next to its parsed fields, so a relay can forward the original bytes and parse nothing it does not need.
 */
export interface SseEvent {
  /** The event's bytes as received, including the blank line that ended it. */
  raw: Buffer;
  /** `data` lines joined with "\n" (spec step "append the field value to the data buffer"), or null if none. */
  data: string | null;
  event: string | null;
}

const LF = 0x0a;
const CR = 0x0d;
const EMPTY: Buffer = Buffer.alloc(0);

/** An event larger than this is a broken or hostile upstream, not a model reply. */
export const MAX_EVENT_BYTES = 8 * 1024 * 1024;

function parseFields(raw: Buffer): SseEvent {
  let data: string | null = null;
  let event: string | null = null;
  for (const line of raw.toString('utf8').split(/\r\n|\r|\n/)) {
    if (line.length === 0 || line.charCodeAt(0) === 0x3a) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === 'data') data = data === null ? value : `${data}\n${value}`;
    else if (field === 'event') event = value;
  }
  return { raw, data, event };
}

export interface SseParser {
  /** Feeds bytes; complete events are appended to `out`. Returns false when an event exceeds MAX_EVENT_BYTES. */
  push(chunk: Buffer, out: SseEvent[]): boolean;
  /** Bytes received after the last complete event (the spec discards an unterminated event at EOF). */
  readonly pendingBytes: number;
}

export function createSseParser(): SseParser {
  let buffer = EMPTY;
  let scanFrom = 0;
  let lineStart = 0;

  return {
    get pendingBytes() {
      return buffer.length;
    },
    push(chunk, out) {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      let eventStart = 0;
      let i = scanFrom;
      for (; i < buffer.length; i++) {
        const byte = buffer[i];
        if (byte !== LF && byte !== CR) continue;
        // A CR as the last byte may be half of a CRLF split across chunks: decide once the next byte arrives.
        if (byte === CR && i + 1 === buffer.length) break;
        const lineEnd = byte === CR && buffer[i + 1] === LF ? i + 2 : i + 1;
        if (i === lineStart) {
          out.push(parseFields(buffer.subarray(eventStart, lineEnd)));
          eventStart = lineEnd;
        }
        lineStart = lineEnd;
        i = lineEnd - 1;
      }
      buffer = eventStart === buffer.length ? EMPTY : buffer.subarray(eventStart);
      scanFrom = i - eventStart;
      lineStart -= eventStart;
      return buffer.length <= MAX_EVENT_BYTES;
    },
  };
}
