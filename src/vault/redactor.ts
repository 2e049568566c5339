/**
 * @module
 * Response scanning: an upstream that echoes the injected credential back (a debug endpoint, an error message
 * quoting the request, a reflected header) must not hand it to the agent. Each occurrence is overwritten with `*`
 * of the same length, so `content-length` stays exact and the body can still stream.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { encodedForms } from './encoded-forms.ts';

const MASK = 0x2a;

/** The byte strings to hide, every encoded form of each value included, longest first; empty ones are dropped. */
export function compileNeedles(values: readonly string[]): Buffer[] {
  const unique = new Set(values.flatMap(encodedForms));
  return [...unique].map((value) => Buffer.from(value, 'utf8')).sort((a, b) => b.length - a.length);
}

/** Masks every occurrence of every needle in place; returns how many were masked. */
export function maskInPlace(buffer: Buffer, needles: readonly Buffer[]): number {
  let count = 0;
  for (const needle of needles) {
    let at = buffer.indexOf(needle);
    while (at !== -1) {
      buffer.fill(MASK, at, at + needle.length);
      count++;
      at = buffer.indexOf(needle, at + needle.length);
    }
  }
  return count;
}

export function redactText(text: string, needles: readonly Buffer[]): string {
  if (needles.length === 0) return text;
  const buffer = Buffer.from(text, 'utf8');
  return maskInPlace(buffer, needles) > 0 ? buffer.toString('utf8') : text;
}

/**
 * A Transform that masks needles even when one spans chunk boundaries: it holds back the last `longest - 1` bytes
 * of each chunk until the next arrives, so any occurrence that starts in the released part is wholly visible.
 */
export class RedactingStream extends Transform {
  readonly #needles: readonly Buffer[];
  readonly #hold: number;
  #carry: Buffer = Buffer.alloc(0);
  /** Bytes passed through, for the audit event. */
  bytes = 0;
  masked = 0;

  constructor(needles: readonly Buffer[]) {
    super();
    this.#needles = needles;
    this.#hold = Math.max(0, ...needles.map((needle) => needle.length - 1));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.#needles.length === 0) {
      callback(null, chunk);
      return;
    }
    const buffer = this.#carry.length > 0 ? Buffer.concat([this.#carry, chunk]) : Buffer.from(chunk);
    this.masked += maskInPlace(buffer, this.#needles);
    const release = Math.max(0, buffer.length - this.#hold);
    this.#carry = buffer.subarray(release);
    callback(null, release > 0 ? buffer.subarray(0, release) : undefined);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#carry.length > 0) this.masked += maskInPlace(this.#carry, this.#needles);
    callback(null, this.#carry.length > 0 ? this.#carry : undefined);
  }
}
