/**
 * @module Signed checkpoints of the audit chains' heads (issue 14): the signing key, the sinks, the periodic
 * checkpointer and the reader `gatehouse audit verify --checkpoints` uses. The format and its checks are in
 * `src/domain/audit/checkpoint.ts`.
 */
export { AuditCheckpointer, type AuditCheckpointerOptions, type CheckpointSinkStatus } from './checkpointer.ts';
export { checkpointFiles, readCheckpoints } from './read-checkpoints.ts';
export { type CheckpointSigningKey, loadCheckpointSigningKey, parseCheckpointPublicKey } from './signing-key.ts';
export { type CheckpointSink, checkpointFileName, createCheckpointSink } from './sinks.ts';
