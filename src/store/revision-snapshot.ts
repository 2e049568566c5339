import type { Kysely } from 'kysely';
import type { Store } from './connect.ts';
import { startPolling } from './polling.ts';
import { currentRevision } from './revisions.ts';
import type { Database } from './schema.ts';

export interface RevisionSnapshotOptions {
  store: Store;
  refreshMs: number;
  /**
   * Past this age without a successful refresh the snapshot reports itself stale, and its users fail closed: a
   * revocation it cannot see must not keep working (DESIGN §2 invariant 3).
   */
  maxStalenessMs?: number;
  onRefreshError?: (error: unknown) => void;
}

/**
 * A hot-path, in-memory view of store rows, kept fresh by polling the store's revision counter: when it moved, the
 * subclass loads what changed since the revision it last saw. Every write that such a view holds stamps its row
 * with `nextRevision`, and revisions commit in order, so nothing is missed; re-applying a row is harmless.
 */
export abstract class RevisionSnapshot {
  protected readonly store: Store;
  readonly #options: RevisionSnapshotOptions;
  #rev = -1;
  #refreshedAt = 0;
  #stopPolling: (() => void) | null = null;
  #refreshing: Promise<void> | null = null;
  #followUp: Promise<void> | null = null;
  #lastDemandRefresh = 0;

  constructor(options: RevisionSnapshotOptions) {
    this.store = options.store;
    this.#options = options;
  }

  get revision(): number {
    return this.#rev;
  }

  /** Applies the rows changed after `sinceRev` (-1 on the first load: everything). */
  protected abstract apply(db: Kysely<Database>, sinceRev: number): Promise<void>;

  async start(): Promise<void> {
    await this.refresh();
    this.#stopPolling = startPolling(
      () => this.refresh(),
      this.#options.refreshMs,
      (error) => this.#options.onRefreshError?.(error),
    );
  }

  stop(): void {
    this.#stopPolling?.();
    this.#stopPolling = null;
  }

  /**
   * Loads what changed since the last refresh, and resolves only after a load that began after this call: a caller
   * that just wrote must see its write, and a load already in flight may have read the revision before it. Callers
   * that arrive during a load share one follow-up load, so a burst still costs at most two round trips.
   */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#followUp ??= this.#refreshing
        .catch(() => undefined)
        .then(() => {
          this.#followUp = null;
          return this.refresh();
        });
      return this.#followUp;
    }
    this.#refreshing = this.#load().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  /**
   * A refresh asked for by a lookup that missed (a key created a moment ago by the CLI on another process), at
   * most once per `minIntervalMs` and shared by concurrent callers, so unknown credentials cannot turn into a
   * stream of store reads.
   */
  refreshOnMiss(minIntervalMs = 100, now = Date.now()): Promise<void> {
    if (this.#refreshing) return this.#refreshing;
    if (now - this.#lastDemandRefresh < minIntervalMs) return Promise.resolve();
    this.#lastDemandRefresh = now;
    return this.refresh();
  }

  async #load(): Promise<void> {
    const db = this.store.read;
    const rev = await currentRevision(db);
    if (rev !== this.#rev) {
      await this.apply(db, this.#rev);
      this.#rev = rev;
    }
    this.#refreshedAt = Date.now();
  }

  /** False once refreshes have failed for longer than the staleness bound. */
  isFresh(now = Date.now()): boolean {
    return now - this.#refreshedAt <= (this.#options.maxStalenessMs ?? 5000);
  }
}
