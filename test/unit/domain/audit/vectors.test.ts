import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import tampered from '../../../../contracts/vectors/audit-event/chain-tampered.json' with { type: 'json' };
import valid from '../../../../contracts/vectors/audit-event/chain-valid.json' with { type: 'json' };
import invalid from '../../../../contracts/vectors/audit-event/invalid-events.json' with { type: 'json' };
import type { ChainHead } from '../../../../src/domain/audit/index.ts';
import { isAuditEvent, verifyChain } from '../../../../src/domain/audit/index.ts';
import { buildInvalidEventsVector, buildTamperedVector, buildValidChainVector } from './vector-fixtures.ts';

describe('contracts/vectors/audit-event (DESIGN §2 invariant 2)', () => {
  it('are what the code generates (regenerate: npx tsx test/unit/domain/audit/vector-fixtures.ts --write)', () => {
    expect(buildValidChainVector()).toEqual(valid);
    expect(buildTamperedVector()).toEqual(tampered);
    expect(buildInvalidEventsVector()).toEqual(invalid);
  });

  it('chain-valid: each hash is SHA-256 of its stated preimage', () => {
    valid.events.forEach((event, i) => {
      const preimage = valid.preimages[i] as string;
      expect(preimage.slice(0, 64)).toBe(event.prev_hash);
      expect(createHash('sha256').update(preimage, 'utf8').digest('hex')).toBe(event.hash);
    });
  });

  it('chain-valid: verifies up to its head', async () => {
    expect(await verifyChain(valid.events, { expectedHead: valid.head, chainId: valid.chain_id })).toEqual({
      ok: true,
      chainId: valid.chain_id,
      count: valid.events.length,
      head: valid.head,
    });
  });

  describe('chain-tampered', () => {
    it.each(tampered.cases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
      const expectedHead = (testCase.expected_head as ChainHead | null) ?? undefined;
      const result = await verifyChain(testCase.events, { expectedHead });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      const { seq, id, reason } = result.firstBroken;
      expect({ count: result.count, seq, id, reason }).toEqual(testCase.expected);
    });
  });

  describe('invalid-events', () => {
    it('starts from an event that is valid', () => {
      expect(isAuditEvent(invalid.valid)).toBe(true);
    });

    it.each(invalid.cases.map((c) => [c.name, c.event] as const))('rejects %s', (_name, event) => {
      expect(isAuditEvent(event)).toBe(false);
    });
  });
});
