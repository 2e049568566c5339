export { AuditWriter, type AuditWriterOptions } from './audit-writer.ts';
export { verifyStoredChains } from './verify-store.ts';
