import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import vector from '../../../../contracts/vectors/audit-checkpoint/valid.json' with { type: 'json' };
import {
  type AuditCheckpoint,
  ChainSealer,
  CheckpointCollector,
  checkpointDigest,
  checkpointKeyId,
  checkpointSignatureValid,
  isAuditCheckpoint,
  signCheckpoint,
  verifyChain,
} from '../../../../src/domain/audit/index.ts';
import { buildCheckpointVector } from './checkpoint-vector.ts';
import { jcs, makeDraft, sealChain } from './fixtures.ts';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const TS = '2026-12-04T18:00:00.000Z';
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

function signed(chains: AuditCheckpoint['chains'], prev: string | null = null, writer = 'local-1'): AuditCheckpoint {
  return signCheckpoint({ ts: TS, writer, prev, chains }, privateKey);
}

describe('[INV-2] audit checkpoints: format and signature', () => {
  it('signs JCS of the checkpoint without sig, and names the key', () => {
    const checkpoint = signed([{ chain_id: 'c', seq: 3, hash: HASH_A }]);
    expect(isAuditCheckpoint(checkpoint)).toBe(true);
    expect(checkpoint.key_id).toBe(checkpointKeyId(publicKey));
    expect(checkpoint.key_id).toMatch(/^[0-9a-f]{32}$/);
    expect(checkpointSignatureValid(checkpoint, publicKey)).toBe(true);
    const { sig, ...unsigned } = checkpoint;
    const reference = generateKeyPairSync('ed25519');
    expect(sig).not.toBe(
      signCheckpoint({ ts: TS, writer: 'local-1', prev: null, chains: unsigned.chains }, reference.privateKey).sig,
    );
    // What an external verifier does: Ed25519 over the RFC 8785 bytes, with any JCS implementation.
    expect(checkpointDigest(checkpoint)).toHaveLength(64);
    expect(jcs(unsigned)).toBe(jcs({ ...checkpoint, sig: undefined }));
  });

  it('fails the signature of an altered checkpoint, and of another key', () => {
    const checkpoint = signed([{ chain_id: 'c', seq: 3, hash: HASH_A }]);
    expect(
      checkpointSignatureValid({ ...checkpoint, chains: [{ chain_id: 'c', seq: 2, hash: HASH_A }] }, publicKey),
    ).toBe(false);
    expect(checkpointSignatureValid({ ...checkpoint, ts: '2026-12-04T18:00:01.000Z' }, publicKey)).toBe(false);
    expect(checkpointSignatureValid(checkpoint, generateKeyPairSync('ed25519').publicKey)).toBe(false);
  });

  it('refuses keys that are not Ed25519', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => signCheckpoint({ ts: TS, writer: 'w', prev: null, chains: [] }, rsa.privateKey)).toThrow(TypeError);
    expect(() => checkpointKeyId(rsa.publicKey)).toThrow(TypeError);
    expect(() => checkpointKeyId(privateKey)).toThrow(TypeError);
    expect(checkpointKeyId(createPublicKey(privateKey))).toBe(checkpointKeyId(publicKey));
  });

  it('rejects malformed checkpoints by schema', () => {
    const checkpoint = signed([{ chain_id: 'c', seq: 3, hash: HASH_A }]);
    expect(isAuditCheckpoint({ ...checkpoint, extra: 1 })).toBe(false);
    expect(isAuditCheckpoint({ ...checkpoint, chains: [{ chain_id: 'c', seq: 0, hash: HASH_A }] })).toBe(false);
    expect(isAuditCheckpoint({ ...checkpoint, sig: 'short' })).toBe(false);
    expect(isAuditCheckpoint({ ...checkpoint, version: 2 })).toBe(false);
  });
});

describe('[INV-2] audit checkpoints: collecting a sink', () => {
  it("gathers the heads of verified checkpoints per chain and checks each writer's prev links", () => {
    const first = signed([{ chain_id: 'c', seq: 3, hash: HASH_A }]);
    const second = signed(
      [
        { chain_id: 'c', seq: 5, hash: HASH_B },
        { chain_id: 'd', seq: 1, hash: HASH_A },
      ],
      checkpointDigest(first),
    );
    const collector = new CheckpointCollector(publicKey);
    collector.add({ value: first, where: 'f:1' });
    collector.add({ value: second, where: 'f:2' });
    const set = collector.finish();
    expect(set.problems).toEqual([]);
    expect(set.verified).toBe(2);
    expect(set.latest).toBe(TS);
    expect(set.heads.get('c')).toEqual([
      { seq: 3, hash: HASH_A },
      { seq: 5, hash: HASH_B },
    ]);
  });

  it('reports malformed, foreign, altered, unlinked and conflicting checkpoints, and keeps none of their heads', () => {
    const first = signed([{ chain_id: 'c', seq: 3, hash: HASH_A }]);
    const skipped = signed([{ chain_id: 'c', seq: 4, hash: HASH_A }], checkpointDigest(first));
    const third = signed([{ chain_id: 'c', seq: 5, hash: HASH_A }], checkpointDigest(skipped));
    const conflicting = signed([{ chain_id: 'c', seq: 3, hash: HASH_B }], null, 'local-2');
    const foreign = signCheckpoint(
      { ts: TS, writer: 'x', prev: null, chains: [] },
      generateKeyPairSync('ed25519').privateKey,
    );
    const collector = new CheckpointCollector(publicKey);
    collector.add({ value: 'not json', where: 'f:1' });
    collector.add({ value: first, where: 'f:2' });
    collector.add({ value: third, where: 'f:3' });
    collector.add({ value: foreign, where: 'f:4' });
    collector.add({ value: { ...first, chains: [{ chain_id: 'c', seq: 9, hash: HASH_A }] }, where: 'f:5' });
    collector.add({ value: conflicting, where: 'f:6' });
    const set = collector.finish();
    expect(set.problems.map((problem) => [problem.where, problem.reason])).toEqual([
      ['f:1', 'malformed'],
      ['f:3', 'missing_link'],
      ['f:4', 'unknown_key'],
      ['f:5', 'bad_signature'],
      ['f:6', 'conflict'],
    ]);
    expect(set.heads.get('c')?.map((head) => head.seq)).toEqual([3, 5]);
  });
});

describe('[INV-2] verifyChain against checkpoints', () => {
  it('passes a chain that reaches every checkpoint', async () => {
    const { events } = sealChain(6);
    const checkpoints = [events[1], events[4]].map((event) => ({ seq: event!.seq, hash: event!.hash }));
    expect(await verifyChain(events, { checkpoints })).toMatchObject({ ok: true, count: 6 });
  });

  it('names a tail cut before the newest checkpoint as truncated', async () => {
    const { events } = sealChain(6);
    const checkpoints = [{ seq: 6, hash: events[5]!.hash }];
    const result = await verifyChain(events.slice(0, 4), { checkpoints });
    expect(result).toMatchObject({
      ok: false,
      count: 4,
      firstBroken: {
        seq: 5,
        id: null,
        reason: 'truncated',
        detail: 'chain ends at seq 4, a signed checkpoint records seq 6',
      },
    });
  });

  it('names a rewritten and re-hashed chain at the first checkpointed event whose hash differs', async () => {
    const { events } = sealChain(6);
    const checkpoints = [
      { seq: 2, hash: events[1]!.hash },
      { seq: 5, hash: events[4]!.hash },
    ];
    const sealer = new ChainSealer('chain-a', { seq: 2, hash: events[1]!.hash });
    const rewritten = [
      ...events.slice(0, 2),
      ...events
        .slice(2)
        .map((event, index) => sealer.seal(makeDraft({ id: event.id, path: index === 0 ? '/x' : event.path }))),
    ];
    expect(await verifyChain(rewritten)).toMatchObject({ ok: true });
    expect(await verifyChain(rewritten, { checkpoints })).toMatchObject({
      ok: false,
      count: 4,
      firstBroken: { seq: 5, reason: 'checkpoint_mismatch' },
    });
  });

  it('rejects a malformed checkpoint head as a programming error', async () => {
    await expect(verifyChain([], { checkpoints: [{ seq: 1, hash: 'nope' }] })).rejects.toThrow(TypeError);
  });
});

describe('contracts/vectors/audit-checkpoint', () => {
  it('is what the code generates (regenerate: npx tsx test/unit/domain/audit/checkpoint-vector.ts --write)', () => {
    expect(buildCheckpointVector()).toEqual(vector);
  });

  it('verifies with the stated public key over the stated signing input', () => {
    const key = createPublicKey(vector.public_key_pem);
    const checkpoint = vector.checkpoint as AuditCheckpoint;
    expect(isAuditCheckpoint(checkpoint)).toBe(true);
    expect(jcs({ ...checkpoint, sig: undefined })).toBe(vector.signing_input);
    expect(verify(null, Buffer.from(vector.signing_input), key, Buffer.from(checkpoint.sig, 'base64url'))).toBe(true);
    expect(checkpointSignatureValid(checkpoint, key)).toBe(true);
    expect(checkpointDigest(checkpoint)).toBe(vector.digest);
  });
});
