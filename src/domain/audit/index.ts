/**
 * @module
 * The audit chain's public face: the event schema, sealing, verification and outcome mapping
 * (DESIGN §2 invariant 2). Other areas import from here, never from the files behind it.
 *
 * @example
 * const sealer = new ChainSealer(chainId, storedHead);      // storedHead: undefined for a new chain
 * const event = sealer.seal(draft);                          // persist event and sealer.head() together
 * const result = await verifyChain(rowsOrderedBySeq, { expectedHead: storedHead });
 * if (!result.ok) console.error(result.firstBroken);         // { seq, id, reason, detail }
 */
export { type ChainHead, ChainSealer, computeEventHash, GENESIS_HASH } from './chain.ts';
export {
  type AuditCheckpoint,
  AuditCheckpointSchema,
  CHECKPOINT_TYPE,
  type CheckpointHead,
  checkpointDigest,
  checkpointKeyId,
  checkpointSignatureValid,
  isAuditCheckpoint,
  signCheckpoint,
  type UnsignedCheckpoint,
} from './checkpoint.ts';
export {
  CheckpointCollector,
  type CheckpointProblem,
  type CheckpointProblemReason,
  type CheckpointSet,
  type CheckpointSource,
} from './checkpoint-set.ts';
export {
  AUDIT_TS_PATTERN,
  type AuditAuthz,
  AuditAuthzSchema,
  type AuditEvent,
  type AuditEventDraft,
  AuditEventSchema,
  type AuditMeta,
  AuditMetaSchema,
  type AuditOutcome,
  AuditOutcomeSchema,
  type AuditPrincipal,
  AuditPrincipalSchema,
  type AuditUpstream,
  AuditUpstreamSchema,
  type AuditUsage,
  AuditUsageSchema,
  describeAuditEventError,
  HEX_256_PATTERN,
  isAuditEvent,
} from './event.ts';
export { type OutcomeHints, outcomeForStatus } from './outcome.ts';
export { type AuditSearchFields, auditSearchFields } from './search-fields.ts';
export {
  type ChainBreak,
  type ChainBreakReason,
  type ChainVerification,
  type VerifyChainOptions,
  verifyChain,
} from './verify.ts';
