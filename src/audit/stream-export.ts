/**
 * @module Streams committed audit events to a SIEM over HTTP (a webhook sink). It reads what the writer already
 * committed, chain by chain in `seq` order, and POSTs batches as JSON lines. The position of each chain is stored
 * (`audit_export_cursors`) only after the sink acknowledged a batch with a 2xx, so:
 * - nothing is lost: a failed or timed-out POST is retried with the same batch, with backoff, forever; the
 *   request path never waits for the sink (it only reads the store), and a slow sink just delays the next batch;
 * - nothing is duplicated across restarts except, at most, the one batch whose acknowledgement arrived just
 *   before a crash, and that batch is resent byte for byte under the same `x-gatehouse-batch-id`, so a sink that
 *   remembers batch ids (or event ids) drops it.
 * With several instances, a shared-state lock (Redis) lets one exporter run at a time.
 */
import type { Logger } from 'pino';
import { request } from 'undici';
import { auditRepository, type Store } from '../store/index.ts';

export interface AuditWebhookSink {
  /** Names the sink's cursor rows: renaming it starts a new export from the first event. */
  id: string;
  url: string;
  headers: Record<string, string>;
  batchSize: number;
  intervalMs: number;
  timeoutMs: number;
}

export interface ExportLock {
  tryLock(key: string, ttlMs: number): Promise<string | null>;
  unlock(key: string, token: string): Promise<boolean>;
}

export interface AuditStreamExporterOptions {
  store: Store;
  sink: AuditWebhookSink;
  lock: ExportLock;
  logger: Logger;
  /** Called after each attempt: delivered events, or a failure. */
  onBatch?: (outcome: 'delivered' | 'failed', events: number) => void;
}

const MAX_BACKOFF_MS = 60_000;
const LOCK_TTL_MS = 60_000;

export class AuditStreamExporter {
  readonly #options: AuditStreamExporterOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  #backoffMs = 0;

  constructor(options: AuditStreamExporterOptions) {
    this.#options = options;
  }

  start(): void {
    this.#schedule(0);
  }

  /** Stops after the batch in flight (its cursor is written if it was acknowledged). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#running;
  }

  /** Exports until every committed event is delivered or a batch fails; resolves with the number delivered. */
  async exportPending(): Promise<number> {
    const { store, sink, lock } = this.#options;
    const lockKey = `audit-export:${sink.id}`;
    const token = await lock.tryLock(lockKey, LOCK_TTL_MS);
    if (token === null) return 0;
    let delivered = 0;
    try {
      const cursors = await auditRepository.readExportCursors(store.write, sink.id);
      for (const head of await auditRepository.listChainHeads(store.write)) {
        let after = cursors.get(head.chainId) ?? 0;
        while (after < head.headSeq && !this.#stopped) {
          const rows = await auditRepository.readChainAfter(store.write, head.chainId, after, sink.batchSize);
          const last = rows.at(-1);
          if (last === undefined) break;
          await this.#post(head.chainId, rows);
          await auditRepository.writeExportCursor(store.write, sink.id, head.chainId, last.seq);
          this.#options.onBatch?.('delivered', rows.length);
          delivered += rows.length;
          after = last.seq;
        }
      }
    } finally {
      await lock.unlock(lockKey, token).catch(() => false);
    }
    return delivered;
  }

  async #post(chainId: string, rows: Array<{ seq: number; body: string }>): Promise<void> {
    const { sink } = this.#options;
    const first = rows[0]?.seq;
    const last = rows.at(-1)?.seq;
    const response = await request(sink.url, {
      method: 'POST',
      headers: {
        ...sink.headers,
        'content-type': 'application/x-ndjson',
        'x-gatehouse-batch-id': `${chainId}:${first}-${last}`,
      },
      body: `${rows.map((row) => row.body).join('\n')}\n`,
      headersTimeout: sink.timeoutMs,
      bodyTimeout: sink.timeoutMs,
    });
    await response.body.dump();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new Error(`audit export sink ${sink.id} answered HTTP ${response.statusCode}`);
    }
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#tick();
    }, delayMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    try {
      await this.exportPending();
      this.#backoffMs = 0;
    } catch (error) {
      this.#options.onBatch?.('failed', 0);
      this.#backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(this.#options.sink.intervalMs, this.#backoffMs * 2));
      // The sink's URL may carry a token in its query: log the sink id, never the URL.
      this.#options.logger.warn(
        { err: error, sink: this.#options.sink.id, retry_in_ms: this.#backoffMs },
        'audit export failed; the batch will be resent',
      );
    }
    this.#schedule(this.#backoffMs || this.#options.sink.intervalMs);
  }
}
