import { type AuditEvent, type AuditEventDraft, ChainSealer } from '../domain/audit/index.ts';
import { uuidv7 } from '../domain/ids.ts';
import { aggregateLedgerDeltas, type LedgerDelta } from '../domain/limits/index.ts';
import { auditRepository, type Store } from '../store/index.ts';
import { DurableWaiters } from './durable-waiters.ts';

/** The two log calls the writer makes; a pino logger fits, and so does the audit thread's relay to its parent. */
export interface AuditLogger {
  error(detail: Record<string, unknown>, message: string): void;
  warn(detail: Record<string, unknown>, message: string): void;
}

export interface AuditWriterOptions {
  store: Store;
  regionId: string;
  /** Accepted-but-uncommitted events past which new requests are refused (503). */
  queueLimit: number;
  /** Most events in one transaction. */
  batchSize: number;
  /**
   * Longest wait before a group commit once an event arrives. 0 (the default) commits at the end of the current
   * event-loop turn, and while a commit runs, arrivals gather for the next one: batches grow with load on their
   * own, and a request at low load waits for one commit only.
   */
  flushIntervalMs: number;
  logger: AuditLogger;
  /** Names the chain; a fresh `{region}-{uuidv7}` when absent. The worker thread is handed its parent's. */
  chainId?: string;
  onWriteFailure?: (error: Error) => void;
  /** Called after each committed batch with the number of events it held and how long its commit took. */
  onCommitted?: (count: number, seconds: number) => void;
}

const MAX_RETRY_DELAY_MS = 2000;

/** One chain per writer instance: the region, then a time-ordered id, so chains list in the order they began. */
export function newChainId(regionId: string, startedAt = Date.now()): string {
  return `${regionId}-${uuidv7(startedAt)}`;
}

/** One accepted event and, for a metered request, its spend, committed together. */
export interface AuditRecord {
  draft: AuditEventDraft;
  spend: LedgerDelta | null;
}

/**
 * The batched audit writer (DESIGN §6): group commit of sealed events with their ledger deltas, one chain per writer
 * instance so several gateways never contend on a chain head. Events are sealed at flush time in arrival order; a
 * failed commit keeps the sealed batch and retries it unchanged, so nothing admitted is lost or re-sequenced.
 * `enqueue` resolves once the event is committed, which is what the pipeline holds a response's last bytes on.
 * `close()` drains.
 */
export class AuditWriter {
  readonly chainId: string;
  readonly #options: AuditWriterOptions;
  readonly #sealer: ChainSealer;
  readonly #startedAt = Date.now();
  #queue: AuditRecord[] = [];
  /** Sealed but not yet committed; retried as-is (with `#sealedSpend`) after a failure. */
  #sealed: AuditEvent[] = [];
  #sealedSpend: LedgerDelta[] = [];
  readonly #waiters = new DurableWaiters();
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #flushing: Promise<void> | null = null;
  #retryDelayMs = 0;
  #lastError: Error | null = null;

  constructor(options: AuditWriterOptions) {
    this.#options = options;
    this.chainId = options.chainId ?? newChainId(options.regionId, this.#startedAt);
    this.#sealer = new ChainSealer(this.chainId);
  }

  get depth(): number {
    return this.#queue.length + this.#sealed.length;
  }

  get overloaded(): boolean {
    return this.depth >= this.#options.queueLimit;
  }

  /** The last commit failure while it persists; null once a commit succeeds. Feeds /readyz. */
  get lastError(): Error | null {
    return this.#lastError;
  }

  /** Accepts one event (and its spend); resolves once both are committed. Never rejects: failed commits retry. */
  enqueue(draft: AuditEventDraft, spend: LedgerDelta | null = null): Promise<void> {
    const committed = this.#waiters.add();
    this.#accept({ draft, spend });
    return committed;
  }

  /** Accepts records whose commits are reported through `onCommitted` only (the audit thread's side). */
  append(record: AuditRecord): void {
    this.#waiters.skip();
    this.#accept(record);
  }

  #accept(record: AuditRecord): void {
    this.#queue.push(record);
    if (this.#queue.length >= this.#options.batchSize) this.#schedule(0);
    else this.#schedule(this.#options.flushIntervalMs);
  }

  #schedule(delayMs: number): void {
    if (this.#flushing || this.#immediate) return;
    if (this.#timer) {
      if (delayMs > 0) return;
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const wait = Math.max(delayMs, this.#retryDelayMs);
    if (wait === 0) {
      this.#immediate = setImmediate(() => {
        this.#immediate = null;
        this.flush().catch(() => {});
      });
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.flush().catch(() => {});
    }, wait);
  }

  /** Commits everything queued so far. Concurrent callers share the flush in progress. */
  flush(): Promise<void> {
    this.#flushing ??= this.#commit().finally(() => {
      this.#flushing = null;
      if (this.depth > 0) this.#schedule(this.#options.flushIntervalMs);
    });
    return this.#flushing;
  }

  async #commit(): Promise<void> {
    // Nothing pending means nothing is failing, whatever the last attempt reported.
    if (this.depth === 0) this.#lastError = null;
    while (this.#sealed.length > 0 || this.#queue.length > 0) {
      if (this.#sealed.length === 0) {
        const records = this.#queue.splice(0, this.#options.batchSize);
        this.#sealed = records.map((record) => this.#sealer.seal(record.draft));
        this.#sealedSpend = aggregateLedgerDeltas(records.map((record) => record.spend));
      }
      try {
        const started = performance.now();
        await auditRepository.appendAuditBatch(
          this.#options.store,
          { chainId: this.chainId, region: this.#options.regionId, startedAt: this.#startedAt },
          this.#sealed,
          this.#sealedSpend,
        );
        const committed = this.#sealed.length;
        this.#sealed = [];
        this.#sealedSpend = [];
        this.#waiters.release(committed);
        this.#retryDelayMs = 0;
        this.#lastError = null;
        this.#options.onCommitted?.(committed, (performance.now() - started) / 1000);
      } catch (error) {
        this.#lastError = error as Error;
        this.#retryDelayMs = Math.min(MAX_RETRY_DELAY_MS, Math.max(50, this.#retryDelayMs * 2));
        this.#options.onWriteFailure?.(error as Error);
        this.#options.logger.error({ err: error, pending: this.depth }, 'audit batch commit failed; will retry');
        throw error;
      }
    }
  }

  /**
   * Drains every accepted event, retrying failed commits until `timeoutMs` passes. Called on graceful shutdown
   * after the server stopped accepting requests.
   */
  async close(timeoutMs = 30_000): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if (this.#flushing) await this.#flushing.catch(() => {});
        await this.flush();
        if (this.depth === 0) return;
      } catch {
        if (Date.now() > deadline) {
          this.#options.logger.error({ pending: this.depth }, 'audit drain timed out; events not committed');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, this.#retryDelayMs));
      }
    }
  }
}
