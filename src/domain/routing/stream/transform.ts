import type { Usage } from '../types.ts';

/** Why a stream could not be relayed as it stands. */
export type StreamFault = 'bad_response' | 'upstream_error';

/** What a transform has learned about the stream so far; the relay reads it after every chunk. */
export interface StreamProgress {
  /** Complete upstream events seen so far; the first one is the commit point for failover. */
  events: number;
  /** Set when the upstream sent garbage or an in-band error; the relay must stop. */
  fault: StreamFault | null;
  /** True once the upstream's terminal marker arrived. */
  finished: boolean;
  /** Last usage the upstream reported, or null. */
  usage: Usage | null;
  /** Characters of generated text seen, for estimating usage when none was reported. */
  completionChars: number;
  /** Why the upstream says the model stopped, in its own words (`stop`, `end_turn`, `length`…), once it said. */
  finishReason: string | null;
  /** The generated text (no reasoning, no tool arguments), kept only once `keepText` asked for it; else null. */
  text: StreamText | null;
}

export function newStreamProgress(): StreamProgress {
  return { events: 0, fault: null, finished: false, usage: null, completionChars: 0, finishReason: null, text: null };
}

/**
 * Generated text of a stream, kept for the span of a caller opted in to prompt logging, up to `limit` UTF-8 bytes:
 * the rest is dropped as it arrives, so a long stream costs no more memory than its first `limit` bytes.
 */
export class StreamText {
  readonly #limit: number;
  readonly #parts: string[] = [];
  #bytes = 0;
  #truncated = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  add(text: string): void {
    if (this.#truncated || text === '') return;
    const size = Buffer.byteLength(text);
    const room = this.#limit - this.#bytes;
    if (size <= room) {
      this.#parts.push(text);
      this.#bytes += size;
      return;
    }
    // Cut on a character boundary: a multi-byte character split by the byte cut decodes to U+FFFD, dropped here.
    this.#parts.push(
      Buffer.from(text)
        .subarray(0, room)
        .toString('utf8')
        .replace(/\uFFFD$/, ''),
    );
    this.#bytes = this.#limit;
    this.#truncated = true;
  }

  /** True once text was dropped for the limit. */
  get truncated(): boolean {
    return this.#truncated;
  }

  get value(): string {
    return this.#parts.join('');
  }
}

/**
 * Turns upstream stream bytes into client stream bytes, one chunk at a time, while sniffing usage.
 * Implementations are pure state machines: the provider layer owns sockets, timers and back-pressure.
 */
export interface StreamTransform extends Readonly<StreamProgress> {
  /** Feeds upstream bytes; bytes for the client are appended to `out`. Check `fault` afterwards. */
  push(chunk: Buffer, out: Buffer[]): void;
  /**
   * The upstream reached EOF. Appends closing bytes and returns true when the stream was complete; returns false
   * (and appends nothing) when no terminal marker arrived: the caller then reports truncation via `fail`.
   */
  end(out: Buffer[]): boolean;
  /** Appends an in-band error for the client. Never appends a terminal marker (`[DONE]`, `"done":true`). */
  fail(code: string, message: string, out: Buffer[]): void;
  /** From now on, keeps the upstream's generated text in `text`, up to `limitBytes`. */
  keepText(limitBytes: number): void;
}

/** Splits upstream bytes into whole items (SSE events, NDJSON lines); false when the stream is malformed. */
interface ItemParser<Item> {
  push(chunk: Buffer, into: Item[]): boolean;
  /** At EOF, an item whose terminator never came, if the format keeps one (NDJSON does; SSE discards it). */
  flush?(): Item | null;
}

interface TransformSteps<Item> {
  /** Handles one whole item, updating `progress`; called in order, and never again once `progress.fault` is set. */
  relay(item: Item, out: Buffer[]): void;
  /** At EOF, after the parser's last item was relayed: see `StreamTransform#end`. */
  end: StreamTransform['end'];
  fail: StreamTransform['fail'];
}

/**
 * The loop every transform shares: split the bytes into items, relay each in order until a fault, and expose
 * `progress` read-only. Transforms differ only in their steps.
 */
export function createStreamTransform<Item>(
  parser: ItemParser<Item>,
  progress: StreamProgress,
  steps: TransformSteps<Item>,
): StreamTransform {
  const items: Item[] = [];
  return {
    push(chunk, out) {
      if (progress.fault !== null) return;
      if (!parser.push(chunk, items)) progress.fault = 'bad_response';
      for (const item of items) {
        if (progress.fault === null) steps.relay(item, out);
      }
      items.length = 0;
    },
    end(out) {
      const last = parser.flush?.() ?? null;
      if (last !== null && progress.fault === null) steps.relay(last, out);
      return steps.end(out);
    },
    fail: steps.fail,
    keepText(limitBytes) {
      progress.text = new StreamText(limitBytes);
    },
    get events() {
      return progress.events;
    },
    get fault() {
      return progress.fault;
    },
    get finished() {
      return progress.finished;
    },
    get usage() {
      return progress.usage;
    },
    get completionChars() {
      return progress.completionChars;
    },
    get finishReason() {
      return progress.finishReason;
    },
    get text() {
      return progress.text;
    },
  };
}

export function encodeSseData(payload: unknown): Buffer {
  return Buffer.from(`data: ${JSON.stringify(payload)}\n\n`);
}

export function encodeNdjson(payload: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(payload)}\n`);
}

/** The OpenAI-style in-band stream error: a data event whose payload is the usual error envelope. */
export function openAIStreamError(code: string, message: string): Buffer {
  return encodeSseData({ error: { message, type: 'upstream_error', code, param: null } });
}

/** Ollama reports stream errors as a final `{"error": "..."}` line (ollama/ollama docs/api.md, "Errors"). */
export function ollamaStreamError(message: string): Buffer {
  return encodeNdjson({ error: message });
}

export function tryParseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
