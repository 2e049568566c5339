/**
 * @module
 * Native byte searches whose answers are kept until passed. Scanning a buffer for a few byte values by calling
 * `indexOf` once per value, and asking again only when the cursor has moved past the answer, sweeps the buffer
 * once per value at memchr speed, instead of a JavaScript loop over every byte, and stays linear however many
 * lookups a caller makes (one per line of a large buffered chunk, say).
 */

/** Below every real position, so a first lookup always searches. */
export const NOT_SEARCHED = -2;

/** The next `byte` at or after `from`: `found` (an earlier answer) while it is still ahead, -1 once none is left. */
export function seek(bytes: Buffer, byte: number, from: number, found: number): number {
  return found === -1 || found >= from ? found : bytes.indexOf(byte, from);
}

/** The nearest of several byte values at or after a position, in one buffer. */
export class NearestByte {
  readonly #bytes: Buffer;
  readonly #values: readonly number[];
  readonly #found: number[];

  constructor(bytes: Buffer, values: readonly number[]) {
    this.#bytes = bytes;
    this.#values = values;
    this.#found = values.map(() => NOT_SEARCHED);
  }

  /** The offset of the first of the values at or after `from`, or -1 when none is left. */
  find(from: number): number {
    let nearest = -1;
    for (let k = 0; k < this.#values.length; k++) {
      const at = seek(this.#bytes, this.#values[k] as number, from, this.#found[k] as number);
      this.#found[k] = at;
      if (at !== -1 && (nearest === -1 || at < nearest)) nearest = at;
    }
    return nearest;
  }
}
