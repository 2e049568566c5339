import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuditEvent, AuditEventDraft } from '../../../../src/domain/audit/index.ts';
import { ChainSealer, computeEventHash, GENESIS_HASH, isAuditEvent } from '../../../../src/domain/audit/index.ts';
import { createRandom, jcs, makeDraft, randomDraft, sealChain } from './fixtures.ts';

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

describe('computeEventHash (DESIGN §2 invariant 2)', () => {
  it('has a genesis of 64 zeros', () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });

  it('hashes prev_hash followed by the RFC 8785 form, byte for byte', () => {
    const event = new ChainSealer('c').seal(
      makeDraft({ principal: null, authz: null, upstream: null, usage: null, meta: { é: 1e21, b: 0.1, a: -0 } }),
    );
    const canonical =
      '{"authz":null,"chain_id":"c","error_code":null,"id":"01936c5e-8a00-7000-8000-000000000001",' +
      '"latency_ms":12.5,"meta":{"a":0,"b":0.1,"é":1e+21},"method":"POST","outcome":"success",' +
      `"path":"/v1/chat/completions","prev_hash":"${GENESIS_HASH}","principal":null,"region":"eu-west",` +
      '"request_id":"req-1","seq":1,"status":200,"surface":"llm.chat","trace_id":null,' +
      '"ts":"2026-11-22T12:00:00.000Z","upstream":null,"usage":null}';
    expect(event.hash).toBe(sha256(GENESIS_HASH + canonical));
  });

  it('matches canonicalize() of the event minus hash, for random events', () => {
    const random = createRandom(7);
    const sealer = new ChainSealer('chain-r');
    for (let i = 0; i < 200; i++) {
      const event = sealer.seal(randomDraft(random));
      const { hash, ...unsealed } = event;
      expect(hash).toBe(sha256(event.prev_hash + jcs(unsealed)));
      expect(computeEventHash(event)).toBe(hash);
    }
  });

  it('does not depend on member order', () => {
    const [event] = sealChain(1).events as [AuditEvent];
    const reversed = Object.fromEntries(Object.entries(event).reverse()) as AuditEvent;
    expect(computeEventHash(reversed)).toBe(event.hash);
  });

  it('throws on a value JSON cannot carry', () => {
    const [event] = sealChain(1).events as [AuditEvent];
    expect(() => computeEventHash({ ...event, latency_ms: Number.NaN })).toThrow();
  });
});

describe('ChainSealer', () => {
  it('numbers events from 1 and links each to the previous hash', () => {
    const { events, head } = sealChain(4);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(events[0]?.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < events.length; i++) expect(events[i]?.prev_hash).toBe(events[i - 1]?.hash);
    expect(head).toEqual({ seq: 4, hash: events[3]?.hash });
    for (const event of events) {
      expect(event.chain_id).toBe('chain-a');
      expect(isAuditEvent(event)).toBe(true);
    }
  });

  it('starts at the genesis head', () => {
    expect(new ChainSealer('c').head()).toEqual({ seq: 0, hash: GENESIS_HASH });
  });

  it('resumes a chain from a stored head exactly as if it had never stopped', () => {
    const straight = sealChain(3).events;
    const first = sealChain(2);
    const resumed = new ChainSealer('chain-a', first.head);
    const third = resumed.seal(makeDraft({ id: '01936c5e-8a00-7000-8000-000000000003', request_id: 'req-3' }));
    expect(third).toEqual(straight[2]);
  });

  it('keeps only schema members of the draft, so chain fields cannot be forged through it', () => {
    const draft = { ...makeDraft(), seq: 99, hash: 'f'.repeat(64), chain_id: 'other', extra: true } as AuditEventDraft;
    const event = new ChainSealer('c').seal(draft);
    expect(event.seq).toBe(1);
    expect(event.chain_id).toBe('c');
    expect(event).not.toHaveProperty('extra');
    expect(isAuditEvent(event)).toBe(true);
  });

  it('leaves the head where it was when sealing throws', () => {
    const sealer = new ChainSealer('c');
    sealer.seal(makeDraft());
    const before = sealer.head();
    expect(() => sealer.seal(makeDraft({ latency_ms: Number.POSITIVE_INFINITY }))).toThrow();
    expect(sealer.head()).toEqual(before);
  });

  it('hands out a copy of its head', () => {
    const sealer = new ChainSealer('c');
    sealer.head().seq = 41;
    expect(sealer.head().seq).toBe(0);
  });

  it.each([
    ['empty chain id', '', undefined],
    ['negative seq', 'c', { seq: -1, hash: GENESIS_HASH }],
    ['fractional seq', 'c', { seq: 1.5, hash: 'a'.repeat(64) }],
    ['uppercase hash', 'c', { seq: 1, hash: 'A'.repeat(64) }],
    ['short hash', 'c', { seq: 1, hash: 'a'.repeat(63) }],
    ['seq 0 off genesis', 'c', { seq: 0, hash: 'a'.repeat(64) }],
  ])('rejects a bad constructor input: %s', (_name, chainId, head) => {
    expect(() => new ChainSealer(chainId, head)).toThrow(TypeError);
  });
});
