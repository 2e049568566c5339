import { EventEmitter } from 'node:events';
import type { CallAudit, LlmResult, ResponseSink } from '../../../src/providers/index.ts';

/** A ResponseSink that keeps everything written, for asserting on the exact bytes a client would get. */
export class MemorySink extends EventEmitter implements ResponseSink {
  readonly chunks: Buffer[] = [];
  ended = false;

  write(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }

  end(chunk?: Buffer): void {
    if (chunk !== undefined) this.chunks.push(chunk);
    this.ended = true;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export async function readStream(result: LlmResult): Promise<{ text: string; audit: CallAudit; sink: MemorySink }> {
  if (result.kind !== 'stream') throw new Error(`expected a stream, got ${result.kind}`);
  const sink = new MemorySink();
  const audit = await result.stream.pipeTo(sink);
  return { text: sink.text(), audit, sink };
}

export function readJson(result: LlmResult): Record<string, unknown> {
  if (result.kind !== 'json') throw new Error(`expected JSON, got ${result.kind}`);
  return JSON.parse(result.body.toString('utf8')) as Record<string, unknown>;
}

/** The JSON payloads of an SSE body's data events, `[DONE]` kept as a string. */
export function sseData(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice(6))
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)));
}

export function ndjson(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A sleep that never waits, so retries in tests cost no wall time and assert nothing about timing. */
export const noSleep = (): Promise<void> => Promise.resolve();
