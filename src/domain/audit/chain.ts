/**
 * @module
 * The audit hash chain (DESIGN §2 invariant 2): each event commits to its predecessor's hash, so altering,
 * removing or reordering a stored event breaks every link after it. One chain per writer (`chain_id`), so
 * gateway instances never contend for a shared head.
 */
import { hash } from 'node:crypto';
import { canonicalJsonWithout } from '../canonical-json.ts';
import type { AuditEvent, AuditEventDraft } from './event.ts';

/** `prev_hash` of the first event in every chain: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

const HEX_256 = /^[0-9a-f]{64}$/;

/** The last sealed link of a chain; `{ seq: 0, hash: GENESIS_HASH }` before the first event. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * The hash that seals `event`, as 64 lowercase hex digits.
 *
 * Byte layout of the SHA-256 input (FIPS 180-4), with no separator and no length prefix:
 *
 * ```
 * UTF-8( prev_hash )                    64 bytes: the event's own `prev_hash`, lowercase hex ASCII
 * UTF-8( JCS(event without "hash") )    RFC 8785 canonical JSON; `prev_hash`, `seq` and `chain_id` included
 * ```
 *
 * The fixed 64-byte prefix makes the split unambiguous. A `hash` member on `event`, if any, is ignored, so a
 * stored event can be passed as is. Throws if the event holds a value JSON cannot carry (NaN, ±Infinity).
 */
export function computeEventHash(event: Omit<AuditEvent, 'hash'>): string {
  // One-shot over the concatenation (prev_hash is ASCII, so its UTF-8 bytes simply precede the JCS bytes): no Hash
  // object, a native handle the garbage collector must finalize, per event.
  return hash('sha256', event.prev_hash + canonicalJsonWithout(event, 'hash'), 'hex');
}

/** Throws a TypeError unless `head` is a well-formed chain head; `label` names it in the message. */
export function assertChainHead(head: ChainHead, label: string): void {
  if (!Number.isSafeInteger(head.seq) || head.seq < 0) {
    throw new TypeError(`${label}.seq must be a non-negative safe integer`);
  }
  if (typeof head.hash !== 'string' || !HEX_256.test(head.hash)) {
    throw new TypeError(`${label}.hash must be 64 lowercase hex digits`);
  }
  if (head.seq === 0 && head.hash !== GENESIS_HASH) {
    throw new TypeError(`${label} at seq 0 must carry GENESIS_HASH`);
  }
}

/**
 * Appends events to one chain in memory. One sealer per writer: seal in the order the events are written, and
 * persist the head with them so a restarted writer resumes its chain (or starts a new `chain_id`).
 *
 * `seal` takes ownership of the draft's nested objects (principal, authz, upstream, usage, meta): mutating them
 * afterwards would make the stored event disagree with its hash.
 */
export class ChainSealer {
  readonly chainId: string;
  #seq: number;
  #hash: string;

  constructor(chainId: string, head?: ChainHead) {
    if (typeof chainId !== 'string' || chainId.length === 0) throw new TypeError('chainId must be a non-empty string');
    if (head !== undefined) assertChainHead(head, 'head');
    this.chainId = chainId;
    this.#seq = head?.seq ?? 0;
    this.#hash = head?.hash ?? GENESIS_HASH;
  }

  /** Links `draft` after the current head and returns the sealed event; the head advances to it. */
  seal(draft: AuditEventDraft): AuditEvent {
    // One literal with every member in place keeps all events on one hidden class; `hash` starts undefined,
    // which JCS skips, and is filled in once computed. Copying member by member also drops any stray key.
    const event: Omit<AuditEvent, 'hash'> & { hash: string | undefined } = {
      id: draft.id,
      ts: draft.ts,
      chain_id: this.chainId,
      seq: this.#seq + 1,
      prev_hash: this.#hash,
      hash: undefined,
      request_id: draft.request_id,
      trace_id: draft.trace_id ?? null,
      region: draft.region,
      principal: draft.principal,
      surface: draft.surface,
      method: draft.method,
      path: draft.path,
      status: draft.status,
      outcome: draft.outcome,
      latency_ms: draft.latency_ms,
      authz: draft.authz,
      upstream: draft.upstream,
      usage: draft.usage,
      error_code: draft.error_code,
      meta: draft.meta,
    };
    const hash = computeEventHash(event);
    event.hash = hash;
    this.#seq = event.seq;
    this.#hash = hash;
    return event as AuditEvent;
  }

  /** The last sealed link; what `verifyChain` takes as `expectedHead`. */
  head(): ChainHead {
    return { seq: this.#seq, hash: this.#hash };
  }
}
