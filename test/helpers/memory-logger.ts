import { Writable } from 'node:stream';
import pino from 'pino';

/** A pino logger whose JSON lines are parsed into `lines`, for tests that assert on what was logged. */
export function memoryLogger(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}
