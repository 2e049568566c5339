/**
 * @module `SharedState` for a request worker of `gatehouse serve --workers N` on the embedded default: every call is
 * one message to the primary process, which owns the one in-memory state (`ipc-state-host.ts`) and answers in its
 * own event loop, one message at a time. That serial order is what keeps limits and budgets exact across workers, as
 * Redis's does across instances. Fail closed: a call the primary cannot answer (channel gone, no reply within
 * `timeoutMs`) rejects with `StateUnavailableError`.
 */
import type { AdmissionRequest, AdmissionResult, BudgetCheck, Reservation } from '../domain/limits/index.ts';
import { BudgetCountersStaleError, StateUnavailableError } from './errors.ts';
import type { MessageHandler, SharedState, SlidingWindowResult, Unsubscribe } from './shared-state.ts';

/** Marks Gatehouse's state messages among whatever else travels on the IPC channel (cluster's own messages). */
export const STATE_MESSAGE = 'gatehouse.state';

export type StateOperation =
  | 'admit'
  | 'rebuildBudget'
  | 'settle'
  | 'renewLeases'
  | 'slidingWindowHit'
  | 'consumeOnce'
  | 'tryLock'
  | 'unlock'
  | 'publish'
  | 'ping';

export interface StateCall {
  type: typeof STATE_MESSAGE;
  kind: 'call';
  id: number;
  op: StateOperation;
  args: unknown[];
}

/** How an error crosses the channel: the state layer's errors keep their class on the other side. */
export interface WireError {
  name: 'StateUnavailableError' | 'BudgetCountersStaleError' | 'RangeError' | 'Error';
  message: string;
  stale?: readonly BudgetCheck[];
}

export type StateReply =
  | { type: typeof STATE_MESSAGE; kind: 'reply'; id: number; ok: true; value: unknown }
  | { type: typeof STATE_MESSAGE; kind: 'reply'; id: number; ok: false; error: WireError };

export interface StatePublication {
  type: typeof STATE_MESSAGE;
  kind: 'message';
  channel: string;
  message: string;
}

/** The worker's end of the IPC channel; `process` in a forked worker. */
export interface IpcChannel {
  send(message: StateCall): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'disconnect', listener: () => void): unknown;
  readonly connected: boolean;
}

/** This process's channel to its parent; null when it was not forked with one. */
export function processChannel(): IpcChannel | null {
  const send = process.send?.bind(process);
  if (send === undefined) return null;
  return {
    send: (message) => send(message),
    on: (event: 'message' | 'disconnect', listener: (message: unknown) => void) => process.on(event, listener),
    off: (event: 'message' | 'disconnect', listener: (message: unknown) => void) => process.off(event, listener),
    get connected() {
      return process.connected;
    },
  };
}

export interface IpcSharedStateOptions {
  channel: IpcChannel;
  /** A call the primary has not answered by then fails closed (503). */
  timeoutMs?: number;
  onError?: (error: unknown) => void;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof BudgetCountersStaleError) {
    return { name: 'BudgetCountersStaleError', message: error.message, stale: error.stale };
  }
  if (error instanceof StateUnavailableError) return { name: 'StateUnavailableError', message: error.message };
  if (error instanceof RangeError) return { name: 'RangeError', message: error.message };
  return { name: 'Error', message: error instanceof Error ? error.message : String(error) };
}

function fromWireError(error: WireError): Error {
  switch (error.name) {
    case 'BudgetCountersStaleError':
      return new BudgetCountersStaleError(error.stale ?? []);
    case 'StateUnavailableError':
      return new StateUnavailableError(error.message);
    case 'RangeError':
      return new RangeError(error.message);
    default:
      return new StateUnavailableError(`shared state failed in the primary process: ${error.message}`);
  }
}

function isStateMessage(message: unknown): message is StateReply | StatePublication {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === STATE_MESSAGE;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export function createIpcSharedState(options: IpcSharedStateOptions): SharedState {
  const { channel } = options;
  const timeoutMs = options.timeoutMs ?? 5000;
  const onError = options.onError ?? ((error: unknown) => process.emitWarning(String(error)));
  const pending = new Map<number, Pending>();
  const handlers = new Map<string, Set<MessageHandler>>();
  let nextId = 1;
  let closed = false;

  const failAll = (reason: string) => {
    for (const [id, call] of pending) {
      clearTimeout(call.timer);
      pending.delete(id);
      call.reject(new StateUnavailableError(reason));
    }
  };
  const onMessage = (message: unknown) => {
    if (!isStateMessage(message)) return;
    if (message.kind === 'message') {
      for (const handler of handlers.get(message.channel) ?? []) {
        try {
          handler(message.message);
        } catch (error) {
          onError(error);
        }
      }
      return;
    }
    const call = pending.get(message.id);
    if (call === undefined) return;
    pending.delete(message.id);
    clearTimeout(call.timer);
    if (message.ok) call.resolve(message.value);
    else call.reject(fromWireError(message.error));
  };
  const onDisconnect = () => failAll('the primary process is gone');
  channel.on('message', onMessage);
  channel.on('disconnect', onDisconnect);

  function call<T>(op: StateOperation, ...args: unknown[]): Promise<T> {
    if (closed) return Promise.reject(new StateUnavailableError('shared state is closed'));
    if (!channel.connected) return Promise.reject(new StateUnavailableError('the primary process is gone'));
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new StateUnavailableError(`the primary process did not answer ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      channel.send({ type: STATE_MESSAGE, kind: 'call', id, op, args });
    });
  }

  return {
    admit: (request: AdmissionRequest) => call<AdmissionResult>('admit', request),
    rebuildBudget: (check: BudgetCheck, spend: { tokens: number; costUsd: number }) =>
      call<void>('rebuildBudget', check, spend),
    settle: (reservation: Reservation, actual: { tokens: number; costUsd: number }) =>
      call<void>('settle', reservation, actual),
    renewLeases: (reservation: Reservation, ttlMs: number) => call<void>('renewLeases', reservation, ttlMs),
    slidingWindowHit: (key: string, limit: number, windowMs: number) =>
      call<SlidingWindowResult>('slidingWindowHit', key, limit, windowMs),
    consumeOnce: (key: string, ttlMs: number, maxUses?: number) => call<boolean>('consumeOnce', key, ttlMs, maxUses),
    tryLock: (key: string, ttlMs: number) => call<string | null>('tryLock', key, ttlMs),
    unlock: (key: string, token: string) => call<boolean>('unlock', key, token),
    publish: (channelName: string, message: string) => call<void>('publish', channelName, message),
    async subscribe(channelName: string, handler: MessageHandler): Promise<Unsubscribe> {
      if (closed) throw new StateUnavailableError('shared state is closed');
      const set = handlers.get(channelName) ?? new Set<MessageHandler>();
      handlers.set(channelName, set);
      set.add(handler);
      return async () => {
        set.delete(handler);
        if (set.size === 0) handlers.delete(channelName);
      };
    },
    ping: () => call<void>('ping'),
    async close() {
      if (closed) return;
      closed = true;
      failAll('shared state is closed');
      handlers.clear();
      channel.off('message', onMessage);
      channel.off('disconnect', onDisconnect);
    },
  };
}
