export { type AuditLogger, AuditWriter, type AuditWriterOptions } from './audit-writer.ts';
export {
  AuditCheckpointer,
  type CheckpointSigningKey,
  type CheckpointSink,
  type CheckpointSinkStatus,
  checkpointFiles,
  createCheckpointSink,
  loadCheckpointSigningKey,
  parseCheckpointPublicKey,
  readCheckpoints,
} from './checkpoints/index.ts';
export type { CheckpointConfig, CheckpointSinkSpec } from './config-schema.ts';
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
export { type VerifyStoredChainsOptions, verifyStoredChains } from './verify-store.ts';
