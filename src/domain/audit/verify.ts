/**
 * @module
 * Re-computes an audit chain and names its first broken link (DESIGN §2 invariant 2; `gatehouse audit verify`).
 *
 * The chain is unkeyed: whoever can rewrite the store can rewrite every hash after an edit. Checking against an
 * `expectedHead` kept somewhere the store's writer cannot change is what turns "self-consistent" into "untampered".
 */
import { assertChainHead, type ChainHead, computeEventHash, GENESIS_HASH } from './chain.ts';
import { type AuditEvent, describeAuditEventError, isAuditEvent } from './event.ts';

/**
 * Why a link is broken:
 * - `hash_mismatch`: the event's content no longer matches its `hash` (altered in place).
 * - `prev_hash_mismatch`: the event does not follow the one before it (removed, reordered, spliced in).
 * - `seq_gap`: `seq` jumps forward and the skipped numbers never appear (events removed).
 * - `seq_order`: `seq` repeats or goes back, or jumps forward over numbers that appear later (reordered).
 * - `genesis`: the first event is not `seq` 1 with `prev_hash` = `GENESIS_HASH` (head of the chain removed).
 * - `chain_id`: the event belongs to another chain.
 * - `schema`: the event fails `AuditEventSchema`.
 * - `truncated`: the chain ends before `expectedHead` or before a checkpoint, or holds another hash at the expected
 *   head's `seq` (tail removed or rewritten).
 * - `checkpoint_mismatch`: the event at a checkpointed `seq` has another hash than the signed checkpoint recorded: the
 *   chain was rewritten (and re-hashed) at or before that event.
 */
export type ChainBreakReason =
  | 'hash_mismatch'
  | 'prev_hash_mismatch'
  | 'seq_gap'
  | 'seq_order'
  | 'genesis'
  | 'chain_id'
  | 'schema'
  | 'truncated'
  | 'checkpoint_mismatch';

/** The first broken link. `id` is null when the event is missing (`truncated`) or has no readable id. */
export interface ChainBreak {
  seq: number;
  id: string | null;
  reason: ChainBreakReason;
  /** Human-readable specifics for operators; not a stable interface. */
  detail: string;
}

/**
 * `count` is the number of events that verified intact: all of them on success, and on failure the ones before the
 * first broken event, which is therefore at 0-based position `count` of the input. `chainId` is `options.chainId`,
 * else that of the first valid event, else null.
 */
export type ChainVerification =
  | { ok: true; chainId: string | null; count: number; head: ChainHead }
  | { ok: false; chainId: string | null; count: number; firstBroken: ChainBreak };

export interface VerifyChainOptions {
  /** The chain being verified; without it, the first valid event's `chain_id` is taken as the chain's. */
  chainId?: string;
  /** A head recorded out of band (e.g. `ChainSealer#head()` at shutdown); the chain must reach it, hash for hash. */
  expectedHead?: ChainHead;
  /** Heads recorded by signed checkpoints (`checkpoint.ts`); the chain must reach each one, hash for hash. */
  checkpoints?: readonly ChainHead[];
}

interface PendingJump {
  seq: number;
  id: string;
  expectedSeq: number;
}

function readSeq(value: unknown, fallback: number): number {
  const seq = (value as { seq?: unknown } | null)?.seq;
  return typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : fallback;
}

function readId(value: unknown): string | null {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : null;
}

/**
 * Streams events through the checks in order. A forward `seq` jump is already a break, but whether it is a gap
 * or a reordering only shows later, so after one the verifier keeps reading `seq` values (and nothing else) until a
 * skipped number turns up or the input ends.
 */
class ChainVerifier {
  chainId: string | null;
  count = 0;
  #seq = 0;
  #hash = GENESIS_HASH;
  #broken: ChainBreak | null = null;
  #jump: PendingJump | null = null;
  readonly #expectedHead: ChainHead | null;
  readonly #checkpoints: Map<number, string>;
  #lastCheckpointSeq = 0;

  constructor(chainId: string | null, expectedHead: ChainHead | null, checkpoints: readonly ChainHead[]) {
    this.chainId = chainId;
    this.#expectedHead = expectedHead;
    this.#checkpoints = new Map(checkpoints.map((head) => [head.seq, head.hash]));
    for (const head of checkpoints) this.#lastCheckpointSeq = Math.max(this.#lastCheckpointSeq, head.seq);
  }

  /** Returns false once the verdict is settled and no more input is needed. */
  push(value: unknown): boolean {
    if (this.#jump !== null) return this.#scanForSkipped(value);
    const expectedSeq = this.#seq + 1;
    if (!isAuditEvent(value)) {
      const error = describeAuditEventError(value);
      const where = error === null ? '' : `${error.path}: ${error.message}`;
      return this.#break(readSeq(value, expectedSeq), readId(value), 'schema', `invalid event at ${where}`);
    }
    if (this.chainId === null) this.chainId = value.chain_id;
    else if (value.chain_id !== this.chainId) {
      return this.#break(value.seq, value.id, 'chain_id', `chain_id ${value.chain_id} in chain ${this.chainId}`);
    }
    if (value.seq < expectedSeq) {
      return this.#break(value.seq, value.id, 'seq_order', `seq ${value.seq} after seq ${this.#seq}`);
    }
    if (value.seq > expectedSeq) {
      this.#jump = { seq: value.seq, id: value.id, expectedSeq };
      return true;
    }
    return this.#checkLink(value);
  }

  #checkLink(event: AuditEvent): boolean {
    if (event.prev_hash !== this.#hash) {
      return this.count === 0
        ? this.#break(event.seq, event.id, 'genesis', 'first event does not start from GENESIS_HASH')
        : this.#break(event.seq, event.id, 'prev_hash_mismatch', `prev_hash is not the hash of seq ${this.#seq}`);
    }
    if (computeEventHash(event) !== event.hash) {
      return this.#break(event.seq, event.id, 'hash_mismatch', 'content does not match the stored hash');
    }
    const head = this.#expectedHead;
    if (head !== null && event.seq === head.seq && event.hash !== head.hash) {
      return this.#break(event.seq, event.id, 'truncated', `hash at seq ${head.seq} differs from the expected head`);
    }
    const signed = this.#checkpoints.get(event.seq);
    if (signed !== undefined && signed !== event.hash) {
      const detail = `hash at seq ${event.seq} differs from a signed checkpoint: rewritten at or before this event`;
      return this.#break(event.seq, event.id, 'checkpoint_mismatch', detail);
    }
    this.#seq = event.seq;
    this.#hash = event.hash;
    this.count += 1;
    return true;
  }

  #scanForSkipped(value: unknown): boolean {
    const jump = this.#jump as PendingJump;
    const seq = readSeq(value, 0);
    if (seq < jump.expectedSeq || seq >= jump.seq) return true;
    this.#jump = null;
    return this.#break(jump.seq, jump.id, 'seq_order', `seq ${jump.seq} comes before seq ${seq}`);
  }

  #break(seq: number, id: string | null, reason: ChainBreakReason, detail: string): false {
    this.#broken = { seq, id, reason, detail };
    return false;
  }

  finish(): ChainVerification {
    const jump = this.#jump;
    if (jump !== null) {
      this.#jump = null;
      if (jump.expectedSeq === 1) {
        this.#break(jump.seq, jump.id, 'genesis', `first event is seq ${jump.seq}, not 1`);
      } else {
        this.#break(jump.seq, jump.id, 'seq_gap', `seq ${jump.expectedSeq}..${jump.seq - 1} missing`);
      }
    }
    const head = this.#expectedHead;
    if (this.#broken === null && head !== null && this.#seq < head.seq) {
      this.#break(this.#seq + 1, null, 'truncated', `chain ends at seq ${this.#seq}, expected head is seq ${head.seq}`);
    }
    if (this.#broken === null && this.#seq < this.#lastCheckpointSeq) {
      const detail = `chain ends at seq ${this.#seq}, a signed checkpoint records seq ${this.#lastCheckpointSeq}`;
      this.#break(this.#seq + 1, null, 'truncated', detail);
    }
    if (this.#broken !== null) {
      return { ok: false, chainId: this.chainId, count: this.count, firstBroken: this.#broken };
    }
    return { ok: true, chainId: this.chainId, count: this.count, head: { seq: this.#seq, hash: this.#hash } };
  }
}

function isAsyncIterable(value: object): value is AsyncIterable<unknown> {
  return typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
}

/**
 * Verifies one chain, its events ordered by `seq` (as `ORDER BY seq` returns them), and names the FIRST broken
 * event. Events are checked as they arrive and not retained, so a database cursor of any length can be passed;
 * iteration stops early (closing the iterator) once the verdict is settled. Input is validated against
 * `AuditEventSchema`, so rows parsed from storage can be passed unchecked. Throws a TypeError only for a malformed
 * `expectedHead`, checkpoint head or `chainId`.
 */
export async function verifyChain(
  events: Iterable<unknown> | AsyncIterable<unknown>,
  options: VerifyChainOptions = {},
): Promise<ChainVerification> {
  const expectedHead = options.expectedHead ?? null;
  if (expectedHead !== null) assertChainHead(expectedHead, 'expectedHead');
  if (options.chainId !== undefined && (typeof options.chainId !== 'string' || options.chainId.length === 0)) {
    throw new TypeError('chainId must be a non-empty string');
  }
  const checkpoints = options.checkpoints ?? [];
  for (const head of checkpoints) assertChainHead(head, 'checkpoints[]');
  const verifier = new ChainVerifier(options.chainId ?? null, expectedHead, checkpoints);
  if (isAsyncIterable(events)) {
    for await (const event of events) if (!verifier.push(event)) break;
  } else {
    for (const event of events) if (!verifier.push(event)) break;
  }
  return verifier.finish();
}
