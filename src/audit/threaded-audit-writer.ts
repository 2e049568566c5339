import { Worker } from 'node:worker_threads';
import type { AuditEventDraft } from '../domain/audit/index.ts';
import type { LedgerDelta } from '../domain/limits/index.ts';
import { type AuditRecord, type AuditWriterOptions, newChainId } from './audit-writer.ts';
import { DurableWaiters } from './durable-waiters.ts';
import type { AuditWorkerData, FromAuditWorker, ToAuditWorker } from './worker-protocol.ts';

export interface ThreadedAuditWriterOptions extends Omit<AuditWriterOptions, 'store' | 'chainId'> {
  store: AuditWorkerData['store'];
}

/**
 * Run from source (tsx, vitest), this module is `threaded-audit-writer.ts` and the thread needs the TypeScript loader,
 * which `audit-worker-entry.mjs` registers. In the build every module is bundled into `dist/`, beside
 * `audit-worker.js` (scripts/build.ts).
 */
const ENTRY = import.meta.url.endsWith('.ts')
  ? new URL('./audit-worker-entry.mjs', import.meta.url)
  : new URL('./audit-worker.js', import.meta.url);
const MAX_RESPAWN_DELAY_MS = 5000;

interface PendingRequest {
  message: ToAuditWorker;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * The audit writer on its own thread (DESIGN §6). The request thread only gathers each event-loop turn's records
 * and posts them at the end of the turn (a structured clone, ~2.5 µs per event); sealing and the store commit run
 * on the audit thread, which owns a store connection. A record counts against `queueLimit` until the thread
 * acknowledges its commit, so back-pressure is the same as in-thread, and `enqueue` resolves on that
 * acknowledgement (commits are acknowledged in order). Records are kept until acknowledged: if the thread dies they
 * are resent to a new one (on a new chain), which drops any the dead thread had already stored.
 */
export class ThreadedAuditWriter {
  readonly #options: ThreadedAuditWriterOptions;
  #chainId: string;
  #worker!: Worker;
  #ready!: Promise<void>;
  /** Records not yet posted; handed over together when the batch fills or the event-loop turn ends. */
  #unposted: AuditRecord[] = [];
  #postImmediate: NodeJS.Immediate | null = null;
  /** Posted, not yet acknowledged, oldest first; `#ackedInHead` of the first batch are already acknowledged. */
  #inFlight: AuditRecord[][] = [];
  readonly #waiters = new DurableWaiters();
  #ackedInHead = 0;
  #inFlightCount = 0;
  #requests = new Map<number, PendingRequest>();
  #nextRequestId = 1;
  #lastError: Error | null = null;
  #closing = false;
  #alive = false;
  #respawnDelayMs = 0;

  constructor(options: ThreadedAuditWriterOptions) {
    this.#options = options;
    this.#chainId = newChainId(options.regionId);
    this.#spawn(false);
  }

  /** The chain the current thread writes; a new one after the thread was replaced. */
  get chainId(): string {
    return this.#chainId;
  }

  get depth(): number {
    return this.#unposted.length + this.#inFlightCount;
  }

  get overloaded(): boolean {
    return this.depth >= this.#options.queueLimit;
  }

  get lastError(): Error | null {
    return this.#lastError;
  }

  /** Resolves once the audit thread has opened its store; rejects if it cannot start. */
  start(): Promise<void> {
    return this.#ready;
  }

  /** Accepts one event (and its spend); resolves once the audit thread has committed both. Never rejects. */
  enqueue(draft: AuditEventDraft, spend: LedgerDelta | null = null): Promise<void> {
    const committed = this.#waiters.add();
    this.#unposted.push({ draft, spend });
    if (this.#unposted.length >= this.#options.batchSize) this.#post();
    else this.#postImmediate ??= setImmediate(() => this.#post());
    return committed;
  }

  async flush(): Promise<void> {
    await this.#request((id) => ({ type: 'flush', id }));
    // A flush that leaves nothing pending means the failure it remembered is over, even when no batch was waiting.
    if (this.depth === 0) this.#lastError = null;
  }

  /** Drains every accepted event (retrying failed commits until `timeoutMs`), then stops the thread. */
  async close(timeoutMs = 30_000): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    // A thread that died and awaits its restart is replaced now, so the drain has somewhere to run.
    if (!this.#alive) this.#replace();
    // The thread does not hold the process open while serving, but the drain must finish before exit.
    this.#worker.ref();
    await this.#request((id) => ({ type: 'close', id, timeoutMs })).catch((error: Error) =>
      this.#options.logger.error({ err: error, pending: this.depth }, 'audit drain incomplete'),
    );
    await this.#worker.terminate();
  }

  /** @internal Stops the thread as a crash would; tests use it to prove nothing accepted is lost. */
  terminateThreadForTest(): Promise<number> {
    return this.#worker.terminate();
  }

  #post(): void {
    if (this.#postImmediate !== null) clearImmediate(this.#postImmediate);
    this.#postImmediate = null;
    if (this.#unposted.length === 0) return;
    const records = this.#unposted;
    this.#unposted = [];
    this.#inFlight.push(records);
    this.#inFlightCount += records.length;
    this.#worker.postMessage({ type: 'append', records, recovered: false } satisfies ToAuditWorker);
  }

  #request(build: (id: number) => ToAuditWorker): Promise<void> {
    this.#post();
    const id = this.#nextRequestId++;
    const message = build(id);
    return new Promise<void>((resolve, reject) => {
      this.#requests.set(id, { message, resolve, reject });
      this.#worker.postMessage(message);
    });
  }

  #spawn(recovered: boolean): void {
    const { store, regionId, queueLimit, batchSize, flushIntervalMs } = this.#options;
    const workerData: AuditWorkerData = {
      store,
      writer: { regionId, chainId: this.#chainId, queueLimit, batchSize, flushIntervalMs },
    };
    // No inherited execArgv: profiler or inspector flags meant for the main thread must not start a second copy.
    const worker = new Worker(ENTRY, { workerData, execArgv: [] });
    this.#worker = worker;
    this.#alive = true;
    // Like a socket the server owns: its life is the gateway's, ended by close(), never a reason to stay up.
    if (!this.#closing) worker.unref();
    this.#ready = new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`audit thread exited with code ${code} before it was ready`)));
      worker.once('message', () => resolve());
    });
    this.#ready.catch(() => {});
    worker.on('message', (message: FromAuditWorker) => this.#receive(message));
    worker.on('error', (error) => this.#options.logger.error({ err: error }, 'audit thread failed'));
    worker.on('exit', (code) => this.#exited(worker, code));
    if (recovered) {
      const records = this.#inFlight.flat().slice(this.#ackedInHead);
      this.#inFlight = records.length > 0 ? [records] : [];
      this.#ackedInHead = 0;
      worker.postMessage({ type: 'append', records, recovered: true } satisfies ToAuditWorker);
      for (const request of this.#requests.values()) worker.postMessage(request.message);
    }
  }

  #receive(message: FromAuditWorker): void {
    switch (message.type) {
      case 'ready':
        this.#respawnDelayMs = 0;
        return;
      case 'committed':
        this.#acknowledge(message.count);
        this.#lastError = null;
        if (message.seconds !== undefined) this.#options.onCommitted?.(message.count, message.seconds);
        return;
      case 'failed': {
        const error = new Error(message.message);
        this.#lastError = error;
        this.#options.onWriteFailure?.(error);
        return;
      }
      case 'done': {
        const request = this.#requests.get(message.id);
        this.#requests.delete(message.id);
        if (message.error === null) request?.resolve();
        else request?.reject(new Error(message.error));
        return;
      }
      case 'log':
        this.#options.logger[message.level](message.detail, message.message);
        return;
    }
  }

  #acknowledge(count: number): void {
    this.#inFlightCount -= count;
    this.#waiters.release(count);
    let remaining = count;
    while (remaining > 0) {
      const head = this.#inFlight[0];
      if (head === undefined) return;
      const unacknowledged = head.length - this.#ackedInHead;
      if (remaining < unacknowledged) {
        this.#ackedInHead += remaining;
        return;
      }
      remaining -= unacknowledged;
      this.#inFlight.shift();
      this.#ackedInHead = 0;
    }
  }

  #exited(worker: Worker, code: number): void {
    if (worker !== this.#worker) return;
    this.#alive = false;
    if (this.#closing) {
      for (const request of this.#requests.values()) request.reject(new Error(`audit thread exited with code ${code}`));
      this.#requests.clear();
      return;
    }
    const error = new Error(`audit thread exited with code ${code}; restarting it on a new chain`);
    this.#lastError = error;
    this.#options.logger.error({ pending: this.depth }, error.message);
    this.#respawnDelayMs = Math.min(MAX_RESPAWN_DELAY_MS, Math.max(100, this.#respawnDelayMs * 2));
    setTimeout(() => {
      if (!this.#closing) this.#replace();
    }, this.#respawnDelayMs).unref();
  }

  /** A new thread on a new chain (the dead thread's head is unknown here), handed every unacknowledged draft. */
  #replace(): void {
    this.#chainId = newChainId(this.#options.regionId);
    this.#spawn(true);
  }
}
