/**
 * @module Callers waiting for their audit event to be committed (DESIGN §2 invariant 2: a response is complete only
 * once its event is durable). Events commit in the order they were accepted, so the waiters form a FIFO that a
 * commit of `count` events releases from the front.
 */

type Release = () => void;

export class DurableWaiters {
  /** Aligned with the writer's accepted-but-uncommitted events, oldest first; null where nobody waits. */
  #waiters: (Release | null)[] = [];
  #head = 0;

  /** Appends one event's waiter; the returned promise resolves once that event is committed. Never rejects. */
  add(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#waiters.push(resolve);
    });
  }

  /** Appends an event nobody waits for, keeping the FIFO aligned with the events. */
  skip(): void {
    this.#waiters.push(null);
  }

  /** The oldest `count` events are committed. */
  release(count: number): void {
    const end = Math.min(this.#head + count, this.#waiters.length);
    for (let i = this.#head; i < end; i++) {
      const release = this.#waiters[i];
      this.#waiters[i] = null;
      release?.();
    }
    this.#head = end;
    // Compact once the released prefix dominates, so the array does not grow for the process's lifetime.
    if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
      this.#waiters = this.#waiters.slice(this.#head);
      this.#head = 0;
    }
  }
}
