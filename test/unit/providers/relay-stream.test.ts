import { describe, expect, it } from 'vitest';
import type { StreamTransform } from '../../../src/domain/routing/index.ts';
import type { LiveSink, LiveStream } from '../../../src/providers/http/exchange.ts';
import { createRelayStream } from '../../../src/providers/relay-stream.ts';
import type { CallAudit, ResponseSink } from '../../../src/providers/types.ts';

/** A committed upstream stream driven by the test: it hands batches of client bytes to the attached sink. */
class ScriptedLive implements LiveStream {
  sink: LiveSink | null = null;
  paused = 0;
  resumed = 0;
  readonly transform = {
    fail(code: string, message: string, out: Buffer[]) {
      out.push(Buffer.from(`data: {"error":{"code":"${code}","message":"${message}"}}\n\n`));
    },
  } as unknown as StreamTransform;
  attach(sink: LiveSink): void {
    this.sink = sink;
  }
  pause(): void {
    this.paused++;
  }
  resume(): void {
    this.resumed++;
  }
  abort(): void {}
}

/** The client response: records each write (and the end's bytes); `accept` says whether the next writes fit. */
class RecordingSink implements ResponseSink {
  writes: string[] = [];
  ended = false;
  accept = true;
  drainListener: (() => void) | null = null;
  write(chunk: Buffer): boolean {
    this.writes.push(chunk.toString('utf8'));
    return this.accept;
  }
  end(chunk?: Buffer): void {
    if (chunk !== undefined) this.writes.push(chunk.toString('utf8'));
    this.ended = true;
  }
  once(_event: 'drain', listener: () => void): this {
    this.drainListener = listener;
    return this;
  }
}

const audit = {} as CallAudit;
const events = (...texts: string[]) => texts.map((text) => Buffer.from(`data: ${text}\n\n`));

describe('relay stream', () => {
  it('writes each batch of events as one write, so one chunk frame goes out per upstream read', async () => {
    const live = new ScriptedLive();
    const sink = new RecordingSink();
    const done = createRelayStream(live, () => audit).pipeTo(sink);
    live.sink?.onData(events('a', 'b', 'c'));
    live.sink?.onData(events('d'));
    live.sink?.onData([]);
    live.sink?.onData(events('[DONE]'));
    live.sink?.onEnd(true);
    await expect(done).resolves.toBe(audit);
    expect(sink.writes).toEqual(['data: a\n\ndata: b\n\ndata: c\n\n', 'data: d\n\n', 'data: [DONE]\n\n']);
    expect(sink.ended).toBe(true);
  });

  it('pauses the upstream while the client is full and resumes it on drain', async () => {
    const live = new ScriptedLive();
    const sink = new RecordingSink();
    const done = createRelayStream(live, () => audit).pipeTo(sink);
    sink.accept = false;
    live.sink?.onData(events('a', 'b'));
    expect(live.paused).toBe(1);
    live.sink?.onData(events('c'));
    expect(live.paused).toBe(1);
    sink.accept = true;
    sink.drainListener?.();
    expect(live.resumed).toBe(1);
    live.sink?.onEnd(true);
    await done;
    expect(sink.writes.join('')).toBe('data: a\n\ndata: b\n\ndata: c\n\n');
  });

  it('ends a stream cut short with an in-band error event and never a [DONE]', async () => {
    const live = new ScriptedLive();
    const sink = new RecordingSink();
    let end: unknown = null;
    const done = createRelayStream(live, (how) => {
      end = how;
      return audit;
    }).pipeTo(sink);
    live.sink?.onData(events('a'));
    live.sink?.onEnd(false);
    await done;
    expect(end).toEqual({ kind: 'truncated', failure: null });
    expect(sink.writes).toHaveLength(2);
    expect(sink.writes[1]).toContain('upstream_stream_truncated');
    expect(sink.writes.join('')).not.toContain('[DONE]');
    expect(sink.ended).toBe(true);
  });
});
