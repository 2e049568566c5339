import { EventEmitter } from 'node:events';
import { estimatePromptTokens } from '../../../src/domain/limits/index.ts';
import type { Dialect, LlmOperation } from '../../../src/domain/routing/index.ts';
import { DIALECTS } from '../../../src/llm/index.ts';
import type { CallAudit, CallSignal, LlmCall, LlmResult, ResponseSink } from '../../../src/providers/index.ts';

/**
 * A router call as a route would build it, without the route's validation (some tests send bodies no route
 * would accept, to reach the router's own backstops): the client dialect's planner and the prompt estimate.
 */
export function testCall(input: {
  requestId: string;
  operation: LlmOperation;
  model: string;
  body: Record<string, unknown>;
  signal?: CallSignal;
}): LlmCall {
  const dialect = input.operation.slice(0, input.operation.indexOf('.')) as Dialect;
  return { ...input, promptTokens: estimatePromptTokens(input.body), planner: DIALECTS[dialect] };
}

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

/** Reads an OpenAI chat-completion stream back: its text, `[DONE]`, and an in-band error event. */
export function readOpenAIStream(body: string): { text: string; terminated: boolean; error: string | null } {
  let text = '';
  let error: string | null = null;
  const events = sseData(body);
  for (const event of events) {
    if (typeof event !== 'object' || event === null) continue;
    const record = event as { choices?: Array<{ delta?: { content?: string } }>; error?: { code?: string } };
    if (record.error !== undefined) error = record.error.code ?? 'error';
    text += record.choices?.[0]?.delta?.content ?? '';
  }
  return { text, terminated: events.at(-1) === '[DONE]', error };
}

/** A sleep that never waits, so retries in tests cost no wall time and assert nothing about timing. */
export const noSleep = (): Promise<void> => Promise.resolve();
