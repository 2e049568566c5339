export { type AuditLogger, AuditWriter, type AuditWriterOptions } from './audit-writer.ts';
export { type AuditExportSection, AuditExportSectionSchema, resolveAuditExport } from './export-config.ts';
export { RefusalThrottle, type RefusalThrottleOptions, THROTTLED_CODE } from './refusal-throttle.ts';
export {
  type AuditPosition,
  decodeAuditCursor,
  encodeAuditCursor,
  parseStatusFilter,
  type StatusFilter,
} from './search.ts';
export type { AuditSink } from './sink.ts';
export {
  AuditStreamExporter,
  type AuditStreamExporterOptions,
  type AuditWebhookSink,
  type ExportLock,
} from './stream-export.ts';
export { ThreadedAuditWriter, type ThreadedAuditWriterOptions } from './threaded-audit-writer.ts';
export { verifyStoredChains } from './verify-store.ts';
