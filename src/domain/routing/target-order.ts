import type { BalanceStrategy, TargetSpec } from './types.ts';

/**
 * FNV-1a followed by the murmur3 32-bit finalizer: FNV alone clusters on inputs that differ only in their
 * last characters (request ids often do), and the finalizer spreads those bits across the word.
 */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function targetKey(target: TargetSpec): string {
  return `${target.upstream}/${target.model}`;
}

function weightOf(target: TargetSpec): number {
  const weight = target.weight ?? 1;
  return Number.isFinite(weight) && weight > 0 ? weight : 0;
}

/**
 * Weighted rendezvous hashing (Schindelhauer & Schomaker, "Weighted distributed hash tables", 2005):
 * score = -w / ln(u) with u uniform in (0,1) derived from hash(request id, target). The same request id always
 * yields the same order, a target receives a share proportional to its weight, and removing one target moves
 * only the requests that were on it. The full order doubles as the failover sequence.
 */
function rendezvousScore(requestId: string, target: TargetSpec): number {
  const weight = weightOf(target);
  if (weight === 0) return Number.NEGATIVE_INFINITY;
  const u = (hash32(`${requestId}\u0000${targetKey(target)}`) + 0.5) / 4_294_967_296;
  return -weight / Math.log(u);
}

export interface OrderInput {
  targets: readonly TargetSpec[];
  requestId: string;
  strategy: BalanceStrategy;
  /** Requests in flight per target key; only read by `least-busy`. */
  inFlight?: (key: string) => number;
}

/**
 * Returns target indices, preferred first. Zero-weight targets come last, so they serve only as a
 * last resort when every weighted target failed.
 */
export function orderTargets(input: OrderInput): number[] {
  const { targets, requestId, strategy } = input;
  const scored = targets.map((target, index) => ({
    index,
    score: rendezvousScore(requestId, target),
    load: strategy === 'least-busy' ? (input.inFlight?.(targetKey(target)) ?? 0) / (weightOf(target) || 1e-9) : 0,
  }));
  scored.sort((a, b) => {
    if (a.load !== b.load) return a.load - b.load;
    if (a.score !== b.score) return b.score - a.score;
    return a.index - b.index;
  });
  return scored.map((entry) => entry.index);
}
