/**
 * Incremental newline-delimited JSON splitter (Ollama's streaming format: one JSON object per "\n"-terminated
 * line). Lines come back as the original bytes; JSON parsing is left to the caller, which parses only the lines
 * it must read.
 */
export interface NdjsonLine {
  /** The line's bytes including its "\n". */
  raw: Buffer;
  /** The line without its terminator (and without a trailing CR). */
  text: string;
}

const LF = 0x0a;
const EMPTY: Buffer = Buffer.alloc(0);

export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export interface NdjsonParser {
  /** Feeds bytes; non-blank lines are appended to `out`. Returns false when a line exceeds MAX_LINE_BYTES. */
  push(chunk: Buffer, out: NdjsonLine[]): boolean;
  /** At EOF: the last line if the upstream omitted its final "\n", else null. */
  flush(): NdjsonLine | null;
}

function toLine(raw: Buffer): NdjsonLine | null {
  const text = raw.toString('utf8').trim();
  return text.length === 0 ? null : { raw, text };
}

export function createNdjsonParser(): NdjsonParser {
  let buffer = EMPTY;
  let scanFrom = 0;

  return {
    push(chunk, out) {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      let lineStart = 0;
      let newline = buffer.indexOf(LF, scanFrom);
      while (newline !== -1) {
        const line = toLine(buffer.subarray(lineStart, newline + 1));
        if (line !== null) out.push(line);
        lineStart = newline + 1;
        newline = buffer.indexOf(LF, lineStart);
      }
      buffer = lineStart === buffer.length ? EMPTY : buffer.subarray(lineStart);
      scanFrom = buffer.length;
      return buffer.length <= MAX_LINE_BYTES;
    },
    flush() {
      const rest = buffer;
      buffer = EMPTY;
      scanFrom = 0;
      return rest.length === 0 ? null : toLine(Buffer.concat([rest, Buffer.from('\n')]));
    },
  };
}
