import { NearestByte, NOT_SEARCHED, seek } from '../byte-seek.ts';

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

const COLON = 0x3a;
const SPACE = 0x20;
const LINE_BREAKS = [LF, CR];

/** The offset of the first CR or LF at or after `from`, else the buffer's length. */
function nextLineEnd(breaks: NearestByte, bytes: Buffer, from: number): number {
  const at = breaks.find(from);
  return at === -1 ? bytes.length : at;
}

const DATA_FIELD = Buffer.from('data');
const EVENT_FIELD = Buffer.from('event');

function isField(raw: Buffer, start: number, end: number, name: Buffer): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (raw[start + i] !== name[i]) return false;
  return true;
}

/**
 * Reads an event's `data` and `event` fields straight from its bytes, decoding only their values. Splitting on the
 * bytes is exact: CR, LF and ':' never occur inside a multi-byte UTF-8 sequence. Decoding the whole event and
 * splitting it into line strings cost an allocation per line on every streamed chunk.
 */
function parseFields(raw: Buffer): SseEvent {
  let data: string | null = null;
  let event: string | null = null;
  const breaks = new NearestByte(raw, LINE_BREAKS);
  let colon = NOT_SEARCHED;
  let lineStart = 0;
  while (lineStart < raw.length) {
    const lineEnd = nextLineEnd(breaks, raw, lineStart);
    colon = seek(raw, COLON, lineStart, colon);
    if (lineEnd > lineStart && colon !== lineStart) {
      const nameEnd = colon === -1 || colon > lineEnd ? lineEnd : colon;
      let valueStart = nameEnd === lineEnd ? lineEnd : nameEnd + 1;
      if (raw[valueStart] === SPACE && valueStart < lineEnd) valueStart++;
      if (isField(raw, lineStart, nameEnd, DATA_FIELD)) {
        const value = raw.toString('utf8', valueStart, lineEnd);
        data = data === null ? value : `${data}\n${value}`;
      } else if (isField(raw, lineStart, nameEnd, EVENT_FIELD)) {
        event = raw.toString('utf8', valueStart, lineEnd);
      }
    }
    lineStart = raw[lineEnd] === CR && raw[lineEnd + 1] === LF ? lineEnd + 2 : lineEnd + 1;
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
      const breaks = new NearestByte(buffer, LINE_BREAKS);
      let i = nextLineEnd(breaks, buffer, scanFrom);
      while (i < buffer.length) {
        const byte = buffer[i];
        // A CR as the last byte may be half of a CRLF split across chunks: decide once the next byte arrives.
        if (byte === CR && i + 1 === buffer.length) break;
        const lineEnd = byte === CR && buffer[i + 1] === LF ? i + 2 : i + 1;
        if (i === lineStart) {
          out.push(parseFields(buffer.subarray(eventStart, lineEnd)));
          eventStart = lineEnd;
        }
        lineStart = lineEnd;
        i = nextLineEnd(breaks, buffer, lineEnd);
      }
      buffer = eventStart === buffer.length ? EMPTY : buffer.subarray(eventStart);
      scanFrom = i - eventStart;
      lineStart -= eventStart;
      return buffer.length <= MAX_EVENT_BYTES;
    },
  };
}
