/**
 * The IPC state and its host, over an in-memory channel that delivers asynchronously as Node's IPC does: two workers'
 * clients against one host keep limits exact, errors keep their class across the channel, a dead worker's open
 * reservations are settled (slots freed, estimate still charged), and a channel that goes away fails closed.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { AdmissionRequest, BudgetCheck } from '../../../src/domain/limits/index.ts';
import {
  BudgetCountersStaleError,
  createIpcSharedState,
  createMemorySharedState,
  type IpcChannel,
  IpcStateHost,
  StateUnavailableError,
} from '../../../src/state/index.ts';

class FakeChannel extends EventEmitter implements IpcChannel {
  connected = true;
  constructor(
    private readonly host: IpcStateHost,
    private readonly workerId: number,
  ) {
    super();
    host.attach(workerId, {
      send: (message) => setImmediate(() => this.emit('message', message)),
      isConnected: () => this.connected,
    });
  }
  send(message: Parameters<IpcChannel['send']>[0]): boolean {
    setImmediate(() => this.host.handle(this.workerId, JSON.parse(JSON.stringify(message))));
    return true;
  }
  disconnect(): void {
    this.connected = false;
    this.emit('disconnect');
  }
}

const scope = (limits: AdmissionRequest['scopes'][number]['limits']) => [{ level: 'key' as const, id: 'k1', limits }];

function setup() {
  const host = new IpcStateHost(createMemorySharedState());
  const channels = [new FakeChannel(host, 1), new FakeChannel(host, 2)];
  const states = channels.map((channel) => createIpcSharedState({ channel, timeoutMs: 2000 }));
  return { host, channels, states };
}

describe('shared state over IPC', () => {
  it('admits exactly the limit across two workers asking at once', async () => {
    const { states } = setup();
    const request = { scopes: scope({ maxConcurrency: 3 }), tokens: 10, costUsd: 0 };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => states[i % 2]?.admit(request)));
    expect(results.filter((result) => result?.admitted).length).toBe(3);
  });

  it('keeps the error classes: a stale budget, a malformed request', async () => {
    const { states } = setup();
    const [state] = states;
    if (!state) throw new Error('no state');
    const budgeted = { scopes: scope({ budgets: [{ window: 'daily', maxTokens: 100 }] }), tokens: 10, costUsd: 0 };
    const stale = await state.admit(budgeted).catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(BudgetCountersStaleError);
    const check = (stale as BudgetCountersStaleError).stale[0] as BudgetCheck;
    await state.rebuildBudget(check, { tokens: 95, costUsd: 0 });
    const denied = await state.admit(budgeted);
    expect(denied.admitted).toBe(false);
    await expect(state.admit({ scopes: scope({}), tokens: -1, costUsd: 0 })).rejects.toBeInstanceOf(RangeError);
  });

  it('settles a dead worker: its slot is free at once, its estimate stays charged', async () => {
    const { host, states } = setup();
    const [first, second] = states;
    if (!first || !second) throw new Error('no states');
    const budgets = [{ window: 'daily' as const, maxTokens: 100 }];
    const request = { scopes: scope({ maxConcurrency: 1, budgets }), tokens: 60, costUsd: 0 };
    const stale = (await first.admit(request).catch((error: unknown) => error)) as BudgetCountersStaleError;
    await first.rebuildBudget(stale.stale[0] as BudgetCheck, { tokens: 0, costUsd: 0 });
    expect((await first.admit(request)).admitted).toBe(true);
    expect(host.openReservations(1)).toBe(1);
    expect((await second.admit({ ...request, tokens: 1 })).admitted).toBe(false);

    expect(await host.detach(1)).toBe(1);
    expect(host.openReservations(1)).toBe(0);
    // The slot is free; the 60 reserved tokens still count: 41 more would pass 100, 40 do not.
    const over = await second.admit({ ...request, tokens: 41 });
    expect(over.admitted ? null : over.denial.kind).toBe('budget');
    expect((await second.admit({ ...request, tokens: 40 })).admitted).toBe(true);
  });

  it('fails closed when the primary is gone or does not answer', async () => {
    const { channels, states } = setup();
    channels[0]?.disconnect();
    await expect(states[0]?.ping()).rejects.toBeInstanceOf(StateUnavailableError);
    const silent = new EventEmitter() as EventEmitter & IpcChannel;
    Object.assign(silent, { connected: true, send: () => true });
    const state = createIpcSharedState({ channel: silent, timeoutMs: 50 });
    await expect(state.tryLock('x', 1000)).rejects.toBeInstanceOf(StateUnavailableError);
  });

  it('delivers a publication from one worker to the subscribers of every worker', async () => {
    const { states } = setup();
    const seen: string[] = [];
    await states[0]?.subscribe('news', (message) => seen.push(`1:${message}`));
    await states[1]?.subscribe('news', (message) => seen.push(`2:${message}`));
    await states[0]?.publish('news', 'hello');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen.sort()).toEqual(['1:hello', '2:hello']);
  });
});
