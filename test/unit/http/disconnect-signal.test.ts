import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { DisconnectSignal, signalOnDisconnect } from '../../../src/http/routes/openai/disconnect-signal.ts';

function fakeResponse(finished: boolean): ServerResponse {
  return Object.assign(new EventEmitter(), { writableFinished: finished }) as unknown as ServerResponse;
}

describe('DisconnectSignal', () => {
  it('fires each listener once, and never a listener added after the abort or removed before it', () => {
    const signal = new DisconnectSignal();
    const calls: string[] = [];
    const removed = () => calls.push('removed');
    signal.addEventListener('abort', () => calls.push('a'));
    signal.addEventListener('abort', removed);
    signal.removeEventListener('abort', removed);
    signal.abort();
    signal.abort();
    signal.addEventListener('abort', () => calls.push('late'));
    expect(calls).toEqual(['a']);
    expect(signal.aborted).toBe(true);
  });

  it('aborts when the response closes unfinished, not when it closes after finishing', () => {
    const cut = fakeResponse(false);
    const cutSignal = signalOnDisconnect(cut);
    cut.emit('close');
    expect(cutSignal.aborted).toBe(true);

    const done = fakeResponse(true);
    const doneSignal = signalOnDisconnect(done);
    done.emit('close');
    expect(doneSignal.aborted).toBe(false);
  });
});
