/**
 * @module The concurrency gate in front of one upstream origin's connection pool (issue 14, finding 5). The pool
 * holds `max_connections` sockets and queues every request past them inside undici, silently, until the
 * first-byte timeout; the gate makes that queue ours: explicit, bounded in time, fair between tenants and visible
 * in metrics. A slot is held from the dispatch until the response is read or the stream has ended (or aborted),
 * which is exactly as long as the pool's socket is busy (`pipelining: 1`).
 */
import type { CallSignal } from '../types.ts';

/** Gives a slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

/** What a wait for a slot ended with: the slot, or why not. */
export type SlotWait = ReleaseSlot | 'timeout' | 'aborted';

interface Waiter {
  tenant: string;
  settle(outcome: SlotWait): void;
}

export interface SlotGateOptions {
  /** Slots: the pool's connection count. */
  capacity: number;
  /**
   * Slots one tenant may hold at once. Below `capacity`, another tenant always finds a slot within one stream's
   * end of the first tenant's, however many long streams the first one opens.
   */
  perTenant: number;
}

/** The default share: all but a quarter of the slots (48 of 64), and never less than one. */
export function defaultPerTenantSlots(capacity: number): number {
  return Math.max(1, capacity - Math.ceil(capacity / 4));
}

export class SlotGate {
  readonly capacity: number;
  readonly perTenant: number;
  #inUse = 0;
  #queued = 0;
  readonly #held = new Map<string, number>();
  /** Waiters per tenant; the map's insertion order is the round-robin order (a served tenant moves to the end). */
  readonly #queues = new Map<string, Waiter[]>();

  constructor(options: SlotGateOptions) {
    this.capacity = options.capacity;
    this.perTenant = Math.min(options.capacity, Math.max(1, options.perTenant));
  }

  get inUse(): number {
    return this.#inUse;
  }

  get queued(): number {
    return this.#queued;
  }

  /** A slot now, or null when the pool is full or the tenant holds its share (waiters never lose their turn). */
  tryAcquire(tenant: string): ReleaseSlot | null {
    // The gate hands every freed slot to a waiter that may take it at once, so a free slot here means no waiter
    // can use it: taking it skips nobody.
    if (this.#inUse >= this.capacity || (this.#held.get(tenant) ?? 0) >= this.perTenant) return null;
    return this.#grant(tenant);
  }

  /**
   * Waits for a slot for `tenant`, at most `timeoutMs`. Tenants are served round-robin, each in arrival order, so
   * one tenant's queue of a thousand waits no longer for another tenant's single request than one turn.
   */
  acquire(tenant: string, timeoutMs: number, signal: CallSignal | undefined): Promise<SlotWait> {
    const now = this.tryAcquire(tenant);
    if (now !== null) return Promise.resolve(now);
    if (signal?.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      const waiter: Waiter = {
        tenant,
        settle(outcome) {
          cleanup();
          resolve(outcome);
        },
      };
      const leave = (outcome: 'timeout' | 'aborted'): void => {
        this.#remove(waiter);
        cleanup();
        resolve(outcome);
      };
      const onAbort = (): void => leave('aborted');
      const timer = setTimeout(leave, timeoutMs, 'timeout');
      function cleanup(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#enqueue(waiter);
    });
  }

  #enqueue(waiter: Waiter): void {
    const queue = this.#queues.get(waiter.tenant);
    if (queue === undefined) this.#queues.set(waiter.tenant, [waiter]);
    else queue.push(waiter);
    this.#queued += 1;
  }

  #remove(waiter: Waiter): void {
    const queue = this.#queues.get(waiter.tenant);
    const index = queue?.indexOf(waiter) ?? -1;
    if (queue === undefined || index < 0) return;
    queue.splice(index, 1);
    if (queue.length === 0) this.#queues.delete(waiter.tenant);
    this.#queued -= 1;
  }

  #grant(tenant: string): ReleaseSlot {
    this.#inUse += 1;
    this.#held.set(tenant, (this.#held.get(tenant) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inUse -= 1;
      const held = (this.#held.get(tenant) ?? 1) - 1;
      if (held === 0) this.#held.delete(tenant);
      else this.#held.set(tenant, held);
      this.#dispatch();
    };
  }

  /** Hands free slots to the next tenants in turn that are under their share. */
  #dispatch(): void {
    while (this.#inUse < this.capacity && this.#queued > 0) {
      let next: Waiter | undefined;
      for (const [tenant, queue] of this.#queues) {
        if ((this.#held.get(tenant) ?? 0) >= this.perTenant) continue;
        next = queue.shift();
        this.#queues.delete(tenant);
        if (queue.length > 0) this.#queues.set(tenant, queue);
        break;
      }
      if (next === undefined) return;
      this.#queued -= 1;
      next.settle(this.#grant(next.tenant));
    }
  }
}
