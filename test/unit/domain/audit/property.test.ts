import { describe, expect, it } from 'vitest';
import type { AuditEvent, ChainBreakReason } from '../../../../src/domain/audit/index.ts';
import { ChainSealer, computeEventHash, verifyChain } from '../../../../src/domain/audit/index.ts';
import { cloneEvents, createRandom, makeDraft, OUTCOMES, type Random, randomDraft } from './fixtures.ts';

interface Expectation {
  /** 0-based position of the first broken event; equals the number of events that verified. */
  position: number;
  seq: number;
  reasons: readonly ChainBreakReason[];
}

type Mutation = (events: AuditEvent[], random: Random) => Expectation;

/** Content edits that keep the event schema-valid, so only the hash can catch them. */
const CONTENT_EDITS: ReadonlyArray<(event: AuditEvent) => void> = [
  (e) => {
    e.ts = new Date(Date.parse(e.ts) + 1).toISOString();
  },
  (e) => {
    e.request_id += 'x';
  },
  (e) => {
    e.principal = e.principal === null ? { type: 'user', id: 'u', tenant_id: null, team_id: null } : null;
  },
  (e) => {
    e.method = e.method === 'POST' ? 'GET' : 'POST';
  },
  (e) => {
    e.path += '/x';
  },
  (e) => {
    e.status = e.status === 200 ? 201 : 200;
  },
  (e) => {
    e.outcome = OUTCOMES.find((o) => o !== e.outcome) ?? 'error';
  },
  (e) => {
    e.latency_ms += 1;
  },
  (e) => {
    e.usage =
      e.usage === null
        ? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
        : { ...e.usage, total_tokens: 1e9 };
  },
  (e) => {
    e.authz =
      e.authz === null ? { decision: 'deny', permission: null, scope: null, binding_id: null, reason: null } : null;
  },
  (e) => {
    e.error_code = e.error_code === null ? 'x' : null;
  },
  (e) => {
    e.meta = { ...e.meta, tampered: true };
  },
];

const MUTATIONS: Record<string, Mutation> = {
  editContent(events, random) {
    const k = random.int(1, events.length);
    random.pick(CONTENT_EDITS)(events[k - 1] as AuditEvent);
    return { position: k - 1, seq: k, reasons: ['hash_mismatch'] };
  },
  editHash(events, random) {
    const k = random.int(1, events.length);
    const event = events[k - 1] as AuditEvent;
    event.hash = event.hash.startsWith('0') ? `1${event.hash.slice(1)}` : `0${event.hash.slice(1)}`;
    return { position: k - 1, seq: k, reasons: ['hash_mismatch'] };
  },
  editPrevHash(events, random) {
    const k = random.int(1, events.length);
    const event = events[k - 1] as AuditEvent;
    event.prev_hash = random.hex(64);
    return { position: k - 1, seq: k, reasons: [k === 1 ? 'genesis' : 'prev_hash_mismatch'] };
  },
  editAndRehash(events, random) {
    const k = random.int(1, events.length);
    const event = events[k - 1] as AuditEvent;
    random.pick(CONTENT_EDITS)(event);
    event.hash = computeEventHash(event);
    if (k === events.length) return { position: k - 1, seq: k, reasons: ['truncated'] };
    return { position: k, seq: k + 1, reasons: ['prev_hash_mismatch'] };
  },
  editSeq(events, random) {
    const k = random.int(1, events.length);
    const event = events[k - 1] as AuditEvent;
    let seq = random.int(1, events.length + 2);
    if (seq === k) seq += 1;
    event.seq = seq;
    return { position: k - 1, seq, reasons: ['seq_order', 'seq_gap', 'genesis'] };
  },
  remove(events, random) {
    const n = events.length;
    const k = random.int(1, n);
    events.splice(k - 1, 1);
    if (k === n) return { position: n - 1, seq: n, reasons: ['truncated'] };
    return { position: k - 1, seq: k + 1, reasons: [k === 1 ? 'genesis' : 'seq_gap'] };
  },
  swap(events, random) {
    if (events.length < 2) return MUTATIONS.remove?.(events, random) as Expectation;
    const i = random.int(1, events.length - 1);
    const j = random.int(i + 1, events.length);
    [events[i - 1], events[j - 1]] = [events[j - 1] as AuditEvent, events[i - 1] as AuditEvent];
    return { position: i - 1, seq: j, reasons: ['seq_order'] };
  },
  duplicate(events, random) {
    const k = random.int(1, events.length);
    events.splice(k, 0, structuredClone(events[k - 1] as AuditEvent));
    return { position: k, seq: k, reasons: ['seq_order'] };
  },
  spliceForeign(events, random) {
    const k = random.int(1, events.length);
    const other = new ChainSealer('intruder');
    let foreign = other.seal(makeDraft());
    while (foreign.seq < k) foreign = other.seal(makeDraft());
    events[k - 1] = foreign;
    return { position: k - 1, seq: k, reasons: ['chain_id'] };
  },
  breakSchema(events, random) {
    const k = random.int(1, events.length);
    const event = events[k - 1] as AuditEvent;
    event.id = event.id.toUpperCase().replace(/^[0-9]/, 'A');
    return { position: k - 1, seq: k, reasons: ['schema'] };
  },
};

describe('verifyChain property: any single mutation is caught at the right event (DESIGN §2 invariant 2)', () => {
  const names = Object.keys(MUTATIONS);

  it.each(names)('%s', async (name) => {
    const mutate = MUTATIONS[name] as Mutation;
    for (let seed = 1; seed <= 150; seed++) {
      const random = createRandom(seed * 7919 + name.length);
      const sealer = new ChainSealer('prop-chain');
      const original = Array.from({ length: random.int(1, 12) }, () => sealer.seal(randomDraft(random)));
      const events = cloneEvents(original);
      const expected = mutate(events, random);
      const result = await verifyChain(events, { chainId: 'prop-chain', expectedHead: sealer.head() });
      const context = `${name} seed ${seed}`;
      expect(result.ok, context).toBe(false);
      if (result.ok) continue;
      expect(result.count, context).toBe(expected.position);
      expect(result.firstBroken.seq, context).toBe(expected.seq);
      expect(expected.reasons, context).toContain(result.firstBroken.reason);
      const atPosition = events[expected.position];
      expect(result.firstBroken.id, context).toBe(atPosition === undefined ? null : atPosition.id);
      expect(await verifyChain(original, { expectedHead: sealer.head() }), context).toMatchObject({ ok: true });
    }
  });
});
