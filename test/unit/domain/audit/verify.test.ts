import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../../src/domain/audit/index.ts';
import { ChainSealer, computeEventHash, GENESIS_HASH, verifyChain } from '../../../../src/domain/audit/index.ts';
import { cloneEvents, makeDraft, sealChain } from './fixtures.ts';

function broken(result: Awaited<ReturnType<typeof verifyChain>>) {
  if (result.ok) throw new Error('expected the chain to be broken');
  return {
    count: result.count,
    seq: result.firstBroken.seq,
    id: result.firstBroken.id,
    reason: result.firstBroken.reason,
  };
}

describe('verifyChain (DESIGN §2 invariant 2)', () => {
  const { events, head } = sealChain(5);
  const at = (seq: number): AuditEvent => events[seq - 1] as AuditEvent;

  it('accepts an intact chain and reports its head', async () => {
    expect(await verifyChain(events)).toEqual({ ok: true, chainId: 'chain-a', count: 5, head });
    expect(await verifyChain(events, { expectedHead: head, chainId: 'chain-a' })).toMatchObject({ ok: true });
  });

  it('accepts a chain that has grown past the expected head', async () => {
    const earlier = { seq: 3, hash: at(3).hash };
    expect(await verifyChain(events, { expectedHead: earlier })).toMatchObject({ ok: true, head });
  });

  it('survives a storage round trip that reorders members', async () => {
    const reordered = events.map((e) => Object.fromEntries(Object.entries(structuredClone(e)).reverse()));
    expect(await verifyChain(JSON.parse(JSON.stringify(reordered)))).toMatchObject({ ok: true, count: 5 });
  });

  it('accepts an empty chain unless a head was expected', async () => {
    expect(await verifyChain([])).toEqual({ ok: true, chainId: null, count: 0, head: { seq: 0, hash: GENESIS_HASH } });
    expect(await verifyChain([], { expectedHead: { seq: 0, hash: GENESIS_HASH } })).toMatchObject({ ok: true });
    expect(broken(await verifyChain([], { expectedHead: head }))).toEqual({
      count: 0,
      seq: 1,
      id: null,
      reason: 'truncated',
    });
  });

  it('names an altered nested field', async () => {
    const tampered = cloneEvents(events);
    (tampered[2] as AuditEvent).usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
    expect(broken(await verifyChain(tampered))).toEqual({ count: 2, seq: 3, id: at(3).id, reason: 'hash_mismatch' });
  });

  it('names an altered hash on the last event', async () => {
    const tampered = cloneEvents(events);
    (tampered[4] as AuditEvent).hash = 'a'.repeat(64);
    expect(broken(await verifyChain(tampered))).toMatchObject({ seq: 5, reason: 'hash_mismatch' });
  });

  it('names an event re-hashed after an edit by its successor', async () => {
    const tampered = cloneEvents(events);
    const edited = { ...(tampered[1] as AuditEvent), status: 500 };
    edited.hash = computeEventHash(edited);
    tampered[1] = edited;
    expect(broken(await verifyChain(tampered))).toEqual({
      count: 2,
      seq: 3,
      id: at(3).id,
      reason: 'prev_hash_mismatch',
    });
  });

  it.each([
    ['a forward jump over events that come later', [1, 4, 2, 3, 5], { count: 1, seq: 4, reason: 'seq_order' }],
    ['a swap at the start', [2, 1, 3, 4, 5], { count: 0, seq: 2, reason: 'seq_order' }],
    ['a swap at the end', [1, 2, 3, 5, 4], { count: 3, seq: 5, reason: 'seq_order' }],
    ['a step back', [1, 2, 3, 2, 4, 5], { count: 3, seq: 2, reason: 'seq_order' }],
    ['two removed events', [1, 2, 5], { count: 2, seq: 5, reason: 'seq_gap' }],
    ['the first two removed', [3, 4, 5], { count: 0, seq: 3, reason: 'genesis' }],
  ])('classifies %s', async (_name, order, expected) => {
    expect(broken(await verifyChain(order.map(at)))).toMatchObject(expected);
  });

  it('rejects an event from another chain, even a validly sealed one', async () => {
    const other = new ChainSealer('chain-b');
    const foreign = [other.seal(makeDraft()), other.seal(makeDraft())];
    expect(broken(await verifyChain([at(1), foreign[1], at(3)]))).toMatchObject({ seq: 2, reason: 'chain_id' });
    expect(broken(await verifyChain(foreign, { chainId: 'chain-a' }))).toMatchObject({ seq: 1, reason: 'chain_id' });
  });

  it.each([null, 'event', 42, {}, [], { seq: 1 }])('rejects a non-event %j as a schema break', async (value) => {
    expect(broken(await verifyChain([value]))).toEqual({ count: 0, seq: 1, id: null, reason: 'schema' });
  });

  it('reports the seq and id of a malformed event when it has them', async () => {
    const { hash: _hash, ...unhashed } = at(2);
    const result = await verifyChain([at(1), unhashed]);
    expect(broken(result)).toEqual({ count: 1, seq: 2, id: at(2).id, reason: 'schema' });
    expect(result.ok || result.firstBroken.detail).toContain('/hash');
  });

  it('names the missing or rewritten tail against the expected head', async () => {
    expect(broken(await verifyChain(events.slice(0, 3), { expectedHead: head }))).toEqual({
      count: 3,
      seq: 4,
      id: null,
      reason: 'truncated',
    });
    const rewritten = cloneEvents(events);
    const last = { ...(rewritten[4] as AuditEvent), region: 'elsewhere' };
    last.hash = computeEventHash(last);
    rewritten[4] = last;
    expect(await verifyChain(rewritten)).toMatchObject({ ok: true });
    expect(broken(await verifyChain(rewritten, { expectedHead: head }))).toMatchObject({ seq: 5, reason: 'truncated' });
  });

  it.each([
    ['negative seq', { expectedHead: { seq: -1, hash: GENESIS_HASH } }],
    ['bad hash', { expectedHead: { seq: 1, hash: 'xyz' } }],
    ['empty chain id', { chainId: '' }],
  ])('throws on a malformed option: %s', async (_name, options) => {
    await expect(verifyChain(events, options)).rejects.toThrow(TypeError);
  });
});

describe('verifyChain over iterators', () => {
  const { events, head } = sealChain(4);

  async function* slowly(items: readonly unknown[], log: { pulled: number; closed: boolean }) {
    try {
      for (const item of items) {
        await Promise.resolve();
        log.pulled += 1;
        yield item;
      }
    } finally {
      log.closed = true;
    }
  }

  it('accepts an async iterable', async () => {
    const log = { pulled: 0, closed: false };
    expect(await verifyChain(slowly(events, log), { expectedHead: head })).toEqual({
      ok: true,
      chainId: 'chain-a',
      count: 4,
      head,
    });
    expect(log).toEqual({ pulled: 4, closed: true });
  });

  it('stops reading and closes the cursor at the first broken link', async () => {
    const tampered = cloneEvents(events);
    (tampered[1] as AuditEvent).region = 'x';
    const log = { pulled: 0, closed: false };
    expect(broken(await verifyChain(slowly(tampered, log)))).toMatchObject({ seq: 2, reason: 'hash_mismatch' });
    expect(log).toEqual({ pulled: 2, closed: true });
  });

  it('closes a sync generator too', async () => {
    let closed = false;
    function* rows() {
      try {
        yield* [events[0], events[2], events[1]];
      } finally {
        closed = true;
      }
    }
    expect(broken(await verifyChain(rows()))).toMatchObject({ seq: 3, reason: 'seq_order' });
    expect(closed).toBe(true);
  });
});
