import type { Usage } from '../types.ts';

/** Why a stream could not be relayed as it stands. */
export type StreamFault = 'bad_response' | 'upstream_error';

/**
 * Turns upstream stream bytes into client stream bytes, one chunk at a time, while sniffing usage.
 * Implementations are pure state machines: the provider layer owns sockets, timers and back-pressure.
 */
export interface StreamTransform {
  /** Feeds upstream bytes; bytes for the client are appended to `out`. Check `fault` afterwards. */
  push(chunk: Buffer, out: Buffer[]): void;
  /**
   * The upstream reached EOF. Appends closing bytes and returns true when the stream was complete; returns false
   * (and appends nothing) when no terminal marker arrived: the caller then reports truncation via `fail`.
   */
  end(out: Buffer[]): boolean;
  /** Appends an in-band error for the client. Never appends a terminal marker (`[DONE]`, `"done":true`). */
  fail(code: string, message: string, out: Buffer[]): void;
  /** Complete upstream events seen so far; the first one is the commit point for failover. */
  readonly events: number;
  /** Set when the upstream sent garbage or an in-band error; the relay must stop. */
  readonly fault: StreamFault | null;
  /** True once the upstream's terminal marker arrived. */
  readonly finished: boolean;
  /** Last usage the upstream reported, or null. */
  readonly usage: Usage | null;
  /** Characters of generated text seen, for estimating usage when none was reported. */
  readonly completionChars: number;
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
