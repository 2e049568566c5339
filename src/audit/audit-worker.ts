/**
 * @module
 * The audit thread's entry: its own store connection and an `AuditWriter` that seals (canonical JSON, SHA-256)
 * and commits batches off the request thread. Messages arrive in order, so a `flush` sees every append posted
 * before it, and `committed` acknowledgements are posted in commit order.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { auditRepository, openStore } from '../store/index.ts';
import { AuditWriter } from './audit-writer.ts';
import type { AuditWorkerData, FromAuditWorker, ToAuditWorker } from './worker-protocol.ts';

function requireParentPort(): MessagePort {
  if (parentPort === null) throw new Error('audit-worker.ts runs only as a worker thread');
  return parentPort;
}
const port = requireParentPort();
const data = workerData as AuditWorkerData;
const send = (message: FromAuditWorker) => port.postMessage(message);

const store = openStore(data.store);
const logTo =
  (level: 'error' | 'warn') =>
  (detail: Record<string, unknown>, message: string): void => {
    const { err, ...rest } = detail;
    send({ type: 'log', level, message, detail: err instanceof Error ? { ...rest, error: err.message } : rest });
  };
const writer = new AuditWriter({
  ...data.writer,
  store,
  logger: { error: logTo('error'), warn: logTo('warn') },
  onCommitted: (count, seconds) => send({ type: 'committed', count, seconds }),
  onWriteFailure: (error) => send({ type: 'failed', message: error.message }),
});

async function handle(message: ToAuditWorker): Promise<void> {
  switch (message.type) {
    case 'append': {
      let records = message.records;
      if (message.recovered && records.length > 0) {
        // The previous thread may have committed some of these before dying: never store an event twice.
        const stored = await auditRepository.storedAuditEventIds(
          store.write,
          records.map((record) => record.draft.id),
        );
        // Commits happen in order, so the stored ones are the oldest: acknowledge them as the prefix they are.
        if (stored.size > 0) send({ type: 'committed', count: stored.size });
        records = records.filter((record) => !stored.has(record.draft.id));
      }
      for (const record of records) writer.append(record);
      return;
    }
    case 'flush':
      await writer.flush().then(
        () => send({ type: 'done', id: message.id, error: null }),
        (error: Error) => send({ type: 'done', id: message.id, error: error.message }),
      );
      return;
    case 'close':
      await writer.close(message.timeoutMs);
      await store.close().catch(() => {});
      send({ type: 'done', id: message.id, error: writer.depth > 0 ? `${writer.depth} events not committed` : null });
      port.close();
      return;
  }
}

// One message at a time: a recovery lookup must finish before later appends are enqueued behind it.
let chain: Promise<void> = Promise.resolve();
port.on('message', (message: ToAuditWorker) => {
  chain = chain.then(() => handle(message)).catch((error: Error) => logTo('error')({ err: error }, 'audit thread'));
});
send({ type: 'ready' });
