/**
 * Builds the checked-in vectors under `contracts/vectors/audit-event/`. `vectors.test.ts` fails when the files and
 * this code drift; regenerate with `npx tsx test/unit/domain/audit/vector-fixtures.ts --write`.
 */
import type { AuditEvent, ChainBreakReason, ChainHead } from '../../../../src/domain/audit/index.ts';
import { ChainSealer, computeEventHash } from '../../../../src/domain/audit/index.ts';
import { jcs, makeDraft } from './fixtures.ts';

export const VECTOR_CHAIN_ID = 'eu-west-1:01936c5e-0000-7000-8000-00000000c0de';

function sealVectorChain(): { events: AuditEvent[]; head: ChainHead } {
  const sealer = new ChainSealer(VECTOR_CHAIN_ID);
  const events = [
    sealer.seal(
      makeDraft({
        id: '01936c5e-8a00-7000-8000-000000000001',
        usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42, cost_usd: 1.25e-7 },
        meta: { model: 'gpt-4o', stream: true, note: 'café ☕ \u{1F600}', temperature: 0.7 },
      }),
    ),
    sealer.seal(
      makeDraft({
        id: '01936c5e-8a01-7000-8000-000000000002',
        ts: '2026-11-22T12:00:00.250Z',
        request_id: 'req-2',
        principal: null,
        surface: '__unmatched__',
        method: 'GET',
        path: '/__unmatched__',
        status: 401,
        outcome: 'unauthenticated',
        latency_ms: 0.4,
        authz: null,
        upstream: null,
        usage: null,
        error_code: 'invalid_api_key',
        meta: {},
      }),
    ),
    sealer.seal(
      makeDraft({
        id: '01936c5e-8a02-7000-8000-000000000003',
        ts: '2026-11-22T12:00:01.000Z',
        request_id: 'req-3',
        status: 429,
        outcome: 'rate_limited',
        latency_ms: 1,
        authz: {
          decision: 'allow',
          permission: 'llm.chat',
          scope: 'org:tenant-1/team:team-1',
          binding_id: 'b-7',
          reason: null,
        },
        upstream: null,
        usage: null,
        error_code: 'rate_limit_exceeded',
        meta: { model: 'gpt-4o', retry_after_s: 2 },
      }),
    ),
  ];
  return { events, head: sealer.head() };
}

/** `chain-valid.json`: three sealed events, the exact hash preimage of each, and the head. */
export function buildValidChainVector() {
  const { events, head } = sealVectorChain();
  return {
    description:
      'A valid 3-event audit chain. hash = lowercase hex SHA-256 over UTF-8(prev_hash) followed by UTF-8(JCS(event without "hash")), JCS per RFC 8785; the first prev_hash is 64 zeros. preimages[i] is the exact hashed string of events[i].',
    chain_id: VECTOR_CHAIN_ID,
    events,
    preimages: events.map((event) => {
      const { hash: _hash, ...unsealed } = event;
      return `${event.prev_hash}${jcs(unsealed)}`;
    }),
    head,
  };
}

interface TamperCase {
  name: string;
  description: string;
  events: unknown[];
  expected_head: ChainHead | null;
  expected: { count: number; seq: number; id: string | null; reason: ChainBreakReason };
}

/** `chain-tampered.json`: the valid chain broken one way per case, with the first broken link expected. */
export function buildTamperedVector() {
  const { events, head } = sealVectorChain();
  const [e1, e2, e3] = events.map((event) => structuredClone(event)) as [AuditEvent, AuditEvent, AuditEvent];
  const foreignSealer = new ChainSealer('us-east-1:other-writer');
  foreignSealer.seal(makeDraft({ id: '01936c5e-9000-7000-8000-00000000f001' }));
  const foreign = foreignSealer.seal(makeDraft({ id: '01936c5e-9000-7000-8000-00000000f002' }));
  const rewritten = { ...e3, status: 200, outcome: 'success' as const };
  rewritten.hash = computeEventHash(rewritten);
  const cases: TamperCase[] = [
    {
      name: 'altered-field',
      description: 'event 2 status changed from 401 to 200 after sealing',
      events: [e1, { ...e2, status: 200 }, e3],
      expected_head: null,
      expected: { count: 1, seq: 2, id: e2.id, reason: 'hash_mismatch' },
    },
    {
      name: 'removed-middle',
      description: 'event 2 deleted',
      events: [e1, e3],
      expected_head: null,
      expected: { count: 1, seq: 3, id: e3.id, reason: 'seq_gap' },
    },
    {
      name: 'removed-middle-renumbered',
      description: 'event 2 deleted and event 3 relabelled seq 2, hashes left alone',
      events: [e1, { ...e3, seq: 2 }],
      expected_head: null,
      expected: { count: 1, seq: 2, id: e3.id, reason: 'prev_hash_mismatch' },
    },
    {
      name: 'swapped-order',
      description: 'events 2 and 3 swapped',
      events: [e1, e3, e2],
      expected_head: null,
      expected: { count: 1, seq: 3, id: e3.id, reason: 'seq_order' },
    },
    {
      name: 'duplicated-event',
      description: 'event 2 replayed after itself',
      events: [e1, e2, e2, e3],
      expected_head: null,
      expected: { count: 2, seq: 2, id: e2.id, reason: 'seq_order' },
    },
    {
      name: 'wrong-genesis',
      description: 'event 1 prev_hash is not 64 zeros',
      events: [{ ...e1, prev_hash: '1'.repeat(64) }, e2, e3],
      expected_head: null,
      expected: { count: 0, seq: 1, id: e1.id, reason: 'genesis' },
    },
    {
      name: 'removed-first',
      description: 'event 1 deleted, so the chain starts at seq 2',
      events: [e2, e3],
      expected_head: null,
      expected: { count: 0, seq: 2, id: e2.id, reason: 'genesis' },
    },
    {
      name: 'foreign-event',
      description: 'event 2 replaced by a validly sealed seq-2 event of another chain',
      events: [e1, foreign, e3],
      expected_head: null,
      expected: { count: 1, seq: 2, id: foreign.id, reason: 'chain_id' },
    },
    {
      name: 'schema-violation',
      description: 'event 2 carries a property the schema does not allow',
      events: [e1, { ...e2, injected: 'x' }, e3],
      expected_head: null,
      expected: { count: 1, seq: 2, id: e2.id, reason: 'schema' },
    },
    {
      name: 'truncated-tail',
      description: 'event 3 deleted; only the head recorded out of band shows it',
      events: [e1, e2],
      expected_head: head,
      expected: { count: 2, seq: 3, id: null, reason: 'truncated' },
    },
    {
      name: 'rewritten-tail',
      description: 'event 3 altered and re-hashed; self-consistent, but not the recorded head',
      events: [e1, e2, rewritten],
      expected_head: head,
      expected: { count: 2, seq: 3, id: e3.id, reason: 'truncated' },
    },
  ];
  return {
    description:
      'The chain of chain-valid.json, tampered one way per case. A verifier must report the first broken event: expected.seq and expected.reason, with expected.count events verified before it. expected_head, when not null, is passed as the head recorded out of band.',
    chain_id: VECTOR_CHAIN_ID,
    cases,
  };
}

/** `invalid-events.json`: one schema violation per case, each on a copy of a valid event. */
export function buildInvalidEventsVector() {
  const valid = sealVectorChain().events[0] as AuditEvent;
  const without = (key: keyof AuditEvent): Record<string, unknown> => {
    const copy: Record<string, unknown> = structuredClone(valid);
    delete copy[key];
    return copy;
  };
  const variant = (patch: Record<string, unknown>): Record<string, unknown> => ({
    ...structuredClone(valid),
    ...patch,
  });
  const cases = [
    { name: 'uppercase-uuid', event: variant({ id: valid.id.toUpperCase() }) },
    { name: 'extra-property', event: variant({ extra: 1 }) },
    { name: 'extra-nested-property', event: variant({ principal: { ...valid.principal, email: 'a@b.c' } }) },
    { name: 'absent-nullable', event: without('error_code') },
    { name: 'absent-nullable-object', event: without('principal') },
    { name: 'null-optional', event: variant({ usage: { ...valid.usage, cost_usd: null } }) },
    { name: 'null-meta', event: variant({ meta: null }) },
    { name: 'short-hash', event: variant({ hash: valid.hash.slice(1) }) },
    { name: 'long-prev-hash', event: variant({ prev_hash: `${valid.prev_hash}0` }) },
    { name: 'uppercase-hash', event: variant({ hash: valid.hash.toUpperCase() }) },
    { name: 'ts-offset', event: variant({ ts: '2026-11-22T13:00:00.000+01:00' }) },
    { name: 'ts-without-ms', event: variant({ ts: '2026-11-22T12:00:00Z' }) },
    { name: 'seq-zero', event: variant({ seq: 0 }) },
    { name: 'seq-fraction', event: variant({ seq: 1.5 }) },
    { name: 'empty-chain-id', event: variant({ chain_id: '' }) },
    { name: 'path-with-query', event: variant({ path: '/v1/models?api_key=secret' }) },
    { name: 'lowercase-method', event: variant({ method: 'post' }) },
    { name: 'status-out-of-range', event: variant({ status: 600 }) },
    { name: 'unknown-outcome', event: variant({ outcome: 'ok' }) },
    { name: 'negative-latency', event: variant({ latency_ms: -1 }) },
    { name: 'unknown-principal-type', event: variant({ principal: { ...valid.principal, type: 'service' } }) },
    { name: 'meta-nested-object', event: variant({ meta: { nested: { a: 1 } } }) },
    { name: 'negative-tokens', event: variant({ usage: { ...valid.usage, prompt_tokens: -1 } }) },
    { name: 'string-status', event: variant({ status: '200' }) },
  ];
  return {
    description:
      'Each case is the valid event with one defect; every one must fail the audit-event schema. Nullable members must be present as null, and the optional usage.cost_usd must be absent rather than null.',
    valid,
    cases,
  };
}

if (process.argv.includes('--write')) {
  const { writeFileSync } = await import('node:fs');
  const dir = new URL('../../../../contracts/vectors/audit-event/', import.meta.url);
  const files: Array<[string, unknown]> = [
    ['chain-valid.json', buildValidChainVector()],
    ['chain-tampered.json', buildTamperedVector()],
    ['invalid-events.json', buildInvalidEventsVector()],
  ];
  for (const [name, data] of files) writeFileSync(new URL(name, dir), `${JSON.stringify(data, null, 2)}\n`);
}
