export { type AuditLogger, AuditWriter, type AuditWriterOptions } from './audit-writer.ts';
export {
  type AuditPosition,
  decodeAuditCursor,
  encodeAuditCursor,
  parseStatusFilter,
  type StatusFilter,
} from './search.ts';
export { ThreadedAuditWriter, type ThreadedAuditWriterOptions } from './threaded-audit-writer.ts';
export { verifyStoredChains } from './verify-store.ts';
