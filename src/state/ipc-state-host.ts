/**
 * @module The primary process's side of `ipc-shared-state.ts`: runs each worker's calls against the one state it
 * owns (in-memory on the embedded default) and answers on the same channel. Node delivers a channel's messages in
 * order and this loop handles them one at a time, so calls from every worker meet the state in one serial order.
 *
 * It also remembers which worker holds which open reservation. A worker that dies cannot settle its own: the host
 * then settles each one at its reserved amount, which frees its concurrency slots at once (the process holding them
 * is gone) and keeps its tokens and cost charged to their windows, as a crashed instance's reservations stay charged
 * on Redis. Spend the worker had committed is in the ledger with its audit events; the estimate stands for the rest.
 */
import type { AdmissionResult, Reservation } from '../domain/limits/index.ts';
import {
  STATE_MESSAGE,
  type StateCall,
  type StateOperation,
  type StatePublication,
  type StateReply,
  toWireError,
} from './ipc-shared-state.ts';
import type { SharedState, Unsubscribe } from './shared-state.ts';

/** The primary's end of one worker's channel; a `cluster` Worker. */
export interface WorkerPort {
  send(message: StateReply | StatePublication): unknown;
  isConnected(): boolean;
}

function isStateCall(message: unknown): message is StateCall {
  const value = message as Partial<StateCall> | null;
  return typeof value === 'object' && value !== null && value.type === STATE_MESSAGE && value.kind === 'call';
}

type Invoke = (state: SharedState, args: unknown[]) => Promise<unknown>;

// biome-ignore format: one row per operation reads as a table
const OPERATIONS: Record<Exclude<StateOperation, 'publish'>, Invoke> = {
  admit: (state, [request]) => state.admit(request as Parameters<SharedState['admit']>[0]),
  rebuildBudget: (state, [check, spend]) => state.rebuildBudget(check as never, spend as never),
  settle: (state, [reservation, actual]) => state.settle(reservation as Reservation, actual as never),
  renewLeases: (state, [reservation, ttlMs]) => state.renewLeases(reservation as Reservation, ttlMs as number),
  slidingWindowHit: (state, [key, limit, windowMs]) => state.slidingWindowHit(key as string, limit as number, windowMs as number),
  consumeOnce: (state, [key, ttlMs, maxUses]) => state.consumeOnce(key as string, ttlMs as number, maxUses as number | undefined),
  tryLock: (state, [key, ttlMs]) => state.tryLock(key as string, ttlMs as number),
  unlock: (state, [key, token]) => state.unlock(key as string, token as string),
  ping: (state) => state.ping(),
};

export class IpcStateHost {
  readonly #state: SharedState;
  readonly #workers = new Map<number, WorkerPort>();
  /** Reservation id → the worker that holds it and the reservation, until it is settled. */
  readonly #open = new Map<string, { workerId: number; reservation: Reservation }>();
  readonly #subscriptions = new Map<string, Promise<Unsubscribe>>();

  constructor(state: SharedState) {
    this.#state = state;
  }

  /** Serves `port`'s calls; hand this the worker's 'message' events through `handle`. */
  attach(workerId: number, port: WorkerPort): void {
    this.#workers.set(workerId, port);
  }

  /** Answers one message from worker `workerId`; anything that is not a state call is ignored. */
  handle(workerId: number, message: unknown): void {
    if (!isStateCall(message)) return;
    const { id, op, args } = message;
    const invoke = op === 'publish' ? undefined : OPERATIONS[op];
    const result =
      op === 'publish'
        ? this.#publish(args[0] as string, args[1] as string)
        : invoke === undefined
          ? Promise.reject(new RangeError(`unknown state operation: ${String(op)}`))
          : invoke(this.#state, args);
    result.then(
      (value) => {
        this.#track(workerId, op, args, value);
        this.#reply(workerId, { type: STATE_MESSAGE, kind: 'reply', id, ok: true, value: value ?? null });
      },
      (error: unknown) => {
        this.#reply(workerId, { type: STATE_MESSAGE, kind: 'reply', id, ok: false, error: toWireError(error) });
      },
    );
  }

  /** Worker `workerId` is gone: its open reservations are settled at their reserved amounts. Resolves to how many. */
  async detach(workerId: number): Promise<number> {
    this.#workers.delete(workerId);
    const orphaned = [...this.#open.values()].filter((entry) => entry.workerId === workerId);
    for (const { reservation } of orphaned) {
      this.#open.delete(reservation.id);
      await this.#settleCharged(reservation);
    }
    return orphaned.length;
  }

  /** Frees the reservation's leases and leaves its estimate charged (settled at what it reserved). */
  async #settleCharged(reservation: Reservation): Promise<void> {
    await this.#state.settle(reservation, { tokens: reservation.tokens, costUsd: reservation.costUsd }).catch(() => {});
  }

  /** Open reservations held by `workerId` (tests, logs). */
  openReservations(workerId: number): number {
    let count = 0;
    for (const entry of this.#open.values()) if (entry.workerId === workerId) count++;
    return count;
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.#subscriptions.values()) await (await unsubscribe)();
    this.#subscriptions.clear();
  }

  #track(workerId: number, op: StateOperation, args: unknown[], value: unknown): void {
    if (op === 'admit') {
      const result = value as AdmissionResult;
      if (!result.admitted) return;
      // Admitted for a worker that died meanwhile: nobody will settle it.
      if (this.#workers.has(workerId))
        this.#open.set(result.reservation.id, { workerId, reservation: result.reservation });
      else void this.#settleCharged(result.reservation);
    } else if (op === 'settle') {
      this.#open.delete((args[0] as Reservation).id);
    }
  }

  /** Publishing reaches every worker: the host subscribes once per channel and forwards each message to all. */
  async #publish(channel: string, message: string): Promise<void> {
    if (!this.#subscriptions.has(channel)) {
      this.#subscriptions.set(
        channel,
        this.#state.subscribe(channel, (payload) => {
          const publication: StatePublication = { type: STATE_MESSAGE, kind: 'message', channel, message: payload };
          for (const port of this.#workers.values()) if (port.isConnected()) port.send(publication);
        }),
      );
    }
    await this.#subscriptions.get(channel);
    await this.#state.publish(channel, message);
  }

  #reply(workerId: number, reply: StateReply): void {
    const port = this.#workers.get(workerId);
    if (port?.isConnected()) port.send(reply);
  }
}
