/**
 * @module
 * Reads a sink's checkpoints back for `gatehouse audit verify --checkpoints`: keeps those signed by the expected key,
 * reports the rest, checks each writer's `prev` links, and gathers, per chain, the heads the signed checkpoints
 * record. `verifyChain` then requires each chain to reach every one of them, hash for hash.
 */
import type { KeyObject } from 'node:crypto';
import type { ChainHead } from './chain.ts';
import {
  checkpointDigest,
  checkpointKeyId,
  checkpointSignatureValid,
  describeCheckpointError,
  isAuditCheckpoint,
} from './checkpoint.ts';

/** One stored checkpoint as read, and where it was read from (`file:line`), for the report. */
export interface CheckpointSource {
  value: unknown;
  where: string;
}

/**
 * Why a stored checkpoint cannot be trusted:
 * - `malformed`: not a checkpoint (schema);
 * - `unknown_key`: signed by another key than the one given;
 * - `bad_signature`: the signature does not verify (the line was altered);
 * - `missing_link`: its `prev` is not the writer's checkpoint before it (one was removed from the sink);
 * - `conflict`: two validly signed checkpoints record different hashes for one chain and seq.
 */
export type CheckpointProblemReason = 'malformed' | 'unknown_key' | 'bad_signature' | 'missing_link' | 'conflict';

export interface CheckpointProblem {
  where: string;
  reason: CheckpointProblemReason;
  detail: string;
}

export interface CheckpointSet {
  /** Checkpoints whose signature verified. */
  verified: number;
  problems: CheckpointProblem[];
  /** Per chain, the heads the verified checkpoints record, one per seq, by ascending seq. */
  heads: Map<string, ChainHead[]>;
  /** `ts` of the newest verified checkpoint, or null. */
  latest: string | null;
}

/**
 * Checks checkpoints in the order added (a writer appends its checkpoints in time order, so add files oldest first),
 * one at a time so a sink of any size streams through. Only checkpoints whose signature verifies contribute heads;
 * every other one is reported, never silently skipped.
 */
export class CheckpointCollector {
  readonly #publicKey: KeyObject;
  readonly #keyId: string;
  readonly #problems: CheckpointProblem[] = [];
  readonly #bySeq = new Map<string, Map<number, { hash: string; where: string }>>();
  readonly #lastDigest = new Map<string, string>();
  #verified = 0;
  #latest: string | null = null;

  constructor(publicKey: KeyObject) {
    this.#publicKey = publicKey;
    this.#keyId = checkpointKeyId(publicKey);
  }

  add({ value, where }: CheckpointSource): void {
    if (!isAuditCheckpoint(value)) {
      this.#problem(where, 'malformed', describeCheckpointError(value) ?? 'not a checkpoint');
      return;
    }
    if (value.key_id !== this.#keyId) {
      this.#problem(where, 'unknown_key', `signed by key ${value.key_id}, expected ${this.#keyId}`);
      return;
    }
    if (!checkpointSignatureValid(value, this.#publicKey)) {
      this.#problem(where, 'bad_signature', 'the signature does not verify: the line was altered');
      return;
    }
    this.#verified += 1;
    if (this.#latest === null || value.ts > this.#latest) this.#latest = value.ts;
    const previous = this.#lastDigest.get(value.writer);
    if (previous !== undefined && value.prev !== previous) {
      this.#problem(where, 'missing_link', `the checkpoint of writer ${value.writer} before this one is missing`);
    }
    this.#lastDigest.set(value.writer, checkpointDigest(value));
    for (const head of value.chains) this.#record(head.chain_id, head.seq, head.hash, where);
  }

  finish(): CheckpointSet {
    const heads = new Map<string, ChainHead[]>();
    for (const [chainId, entries] of this.#bySeq) {
      const list = [...entries].map(([seq, entry]) => ({ seq, hash: entry.hash }));
      heads.set(
        chainId,
        list.sort((a, b) => a.seq - b.seq),
      );
    }
    return { verified: this.#verified, problems: this.#problems, heads, latest: this.#latest };
  }

  #record(chainId: string, seq: number, hash: string, where: string): void {
    let heads = this.#bySeq.get(chainId);
    if (heads === undefined) {
      heads = new Map();
      this.#bySeq.set(chainId, heads);
    }
    const known = heads.get(seq);
    if (known === undefined) heads.set(seq, { hash, where });
    else if (known.hash !== hash) {
      this.#problem(
        where,
        'conflict',
        `chain ${chainId} seq ${seq}: hash ${hash} here, ${known.hash} at ${known.where}`,
      );
    }
  }

  #problem(where: string, reason: CheckpointProblemReason, detail: string): void {
    this.#problems.push({ where, reason, detail });
  }
}
