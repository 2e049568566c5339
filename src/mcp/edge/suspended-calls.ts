/**
 * @module Calls suspended between two HTTP requests of a 2026-07-28 client. When a 2025 upstream asks for client
 * input in the middle of a call, the call cannot be answered statelessly: it keeps running here, the client gets
 * an `input_required` result, and its retry (carrying the sealed id) supplies the answers and waits for what the
 * call does next (finish, fail, or ask again). A call nobody resumes is aborted after the request-state lifetime.
 */
import { randomUUID } from 'node:crypto';
import type { InputRequestSpec, JsonObject } from '../wire.ts';
import { REQUEST_STATE_TTL_MS } from './request-state.ts';

export type CallEvent =
  | { type: 'ask'; requests: Record<string, InputRequestSpec> }
  | { type: 'done'; result: JsonObject }
  | { type: 'error'; error: unknown };

/** Runs a call and turns each of its requests for input into an event the edge answers the client with. */
export class SuspendableCall {
  readonly id = randomUUID();
  readonly abort = new AbortController();
  private readonly queue: CallEvent[] = [];
  private waiter: ((event: CallEvent) => void) | null = null;
  private supplier: ((answers: Record<string, unknown>) => void) | null = null;

  start(
    run: (ask: (requests: Record<string, InputRequestSpec>) => Promise<Record<string, unknown>>) => Promise<JsonObject>,
  ) {
    run((requests) => this.ask(requests)).then(
      (result) => this.emit({ type: 'done', result }),
      (error: unknown) => this.emit({ type: 'error', error }),
    );
  }

  private ask(requests: Record<string, InputRequestSpec>): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.supplier = resolve;
      this.emit({ type: 'ask', requests });
    });
  }

  private emit(event: CallEvent): void {
    const waiter = this.waiter;
    this.waiter = null;
    if (waiter) waiter(event);
    else this.queue.push(event);
  }

  next(): Promise<CallEvent> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Hands the client's answers to the pending ask; false when the call is not waiting for any. */
  supply(answers: Record<string, unknown>): boolean {
    const supplier = this.supplier;
    this.supplier = null;
    if (!supplier) return false;
    supplier(answers);
    return true;
  }
}

export class SuspendedCalls {
  private readonly calls = new Map<string, { call: SuspendableCall; timer: NodeJS.Timeout }>();

  park(call: SuspendableCall): void {
    const timer = setTimeout(() => {
      this.calls.delete(call.id);
      call.abort.abort();
    }, REQUEST_STATE_TTL_MS);
    timer.unref();
    this.calls.set(call.id, { call, timer });
  }

  take(id: string): SuspendableCall | null {
    const parked = this.calls.get(id);
    if (!parked) return null;
    clearTimeout(parked.timer);
    this.calls.delete(id);
    return parked.call;
  }

  close(): void {
    for (const { call, timer } of this.calls.values()) {
      clearTimeout(timer);
      call.abort.abort();
    }
    this.calls.clear();
  }
}
