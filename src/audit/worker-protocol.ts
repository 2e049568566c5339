import type { SqliteSynchronous } from '../store/index.ts';
import type { AuditRecord, AuditWriterOptions } from './audit-writer.ts';

/** What the audit thread needs to open its own store connection and writer; passed as `workerData`. */
export interface AuditWorkerData {
  store: { dataDir: string; writeUrl: string | null; sqliteSynchronous?: SqliteSynchronous };
  writer: Pick<AuditWriterOptions, 'regionId' | 'queueLimit' | 'batchSize' | 'flushIntervalMs'> & { chainId: string };
}

export type ToAuditWorker =
  /** Records in arrival order. `recovered` marks a resend after a worker died: already-stored ids are dropped. */
  | { type: 'append'; records: AuditRecord[]; recovered: boolean }
  | { type: 'flush'; id: number }
  | { type: 'close'; id: number; timeoutMs: number };

export type FromAuditWorker =
  | { type: 'ready' }
  /** `count` more events, oldest first, are committed; `seconds` is the commit's duration (absent for a recovery). */
  | { type: 'committed'; count: number; seconds?: number }
  | { type: 'failed'; message: string }
  | { type: 'done'; id: number; error: string | null }
  | { type: 'log'; level: 'error' | 'warn'; message: string; detail: Record<string, unknown> };
