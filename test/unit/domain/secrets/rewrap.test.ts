import { describe, expect, it } from 'vitest';
import {
  createLocalKekProvider,
  type EnvelopeAad,
  EnvelopeDecryptError,
  type EnvelopeDecryptReason,
  parseEnvelope,
} from '../../../../src/domain/secrets/index.ts';

const keyV1 = Buffer.alloc(32, 0x11);
const keyV2 = Buffer.alloc(32, 0x22);
const aad: EnvelopeAad = { owner: 'vault-service:github', id: '0190a4b2-7c3d-7e8f-9a0b-000000000009' };
const plaintext = '{"client_secret":"gho_example"}';

const onlyV1 = createLocalKekProvider({ current: { id: 'v1', key: keyV1 } });
const rotating = createLocalKekProvider({ current: { id: 'v2', key: keyV2 }, previous: [{ id: 'v1', key: keyV1 }] });
const onlyV2 = createLocalKekProvider({ current: { id: 'v2', key: keyV2 } });

function reasonOf(action: () => unknown): EnvelopeDecryptReason {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(EnvelopeDecryptError);
    return (error as EnvelopeDecryptError).reason;
  }
  throw new Error('expected an EnvelopeDecryptError');
}

describe('rewrap v1 → v2', () => {
  const original = onlyV1.encrypt(plaintext, aad);
  const snapshot = structuredClone(original);
  const rewrapped = rotating.rewrap(original, aad);

  it('moves the envelope to the current KEK with a fresh wrap', () => {
    expect(rewrapped.kek_id).toBe('v2');
    expect(rewrapped.dek.iv).not.toBe(original.dek.iv);
    expect(rewrapped.dek.wrapped).not.toBe(original.dek.wrapped);
    expect(parseEnvelope(rewrapped)).toEqual(rewrapped);
  });

  it('leaves the value ciphertext, iv and tag byte-for-byte unchanged', () => {
    expect(rewrapped.ciphertext).toBe(original.ciphertext);
    expect(rewrapped.iv).toBe(original.iv);
    expect(rewrapped.tag).toBe(original.tag);
  });

  it('keeps the plaintext, readable with v2 alone', () => {
    expect(rotating.decrypt(rewrapped, aad).toString('utf8')).toBe(plaintext);
    expect(onlyV2.decrypt(rewrapped, aad).toString('utf8')).toBe(plaintext);
  });

  it('does not mutate its input and returns no plaintext', () => {
    expect(original).toEqual(snapshot);
    expect(JSON.stringify(rewrapped)).not.toContain(Buffer.from(plaintext).toString('hex'));
  });

  it('works only while v1 is still held for reading', () => {
    expect(reasonOf(() => onlyV2.rewrap(original, aad))).toBe('unknown_kek');
    expect(reasonOf(() => onlyV2.decrypt(original, aad))).toBe('unknown_kek');
  });

  it('is not readable by a provider that only holds v1', () => {
    expect(reasonOf(() => onlyV1.decrypt(rewrapped, aad))).toBe('unknown_kek');
  });

  it('returns an envelope already under the current KEK unchanged, as a copy', () => {
    const again = rotating.rewrap(rewrapped, aad);
    expect(again).toEqual(rewrapped);
    expect(again).not.toBe(rewrapped);
    expect(again.dek).not.toBe(rewrapped.dek);
  });

  it('still verifies an envelope already under the current KEK', () => {
    expect(reasonOf(() => rotating.rewrap(rewrapped, { owner: aad.owner, id: 'other' }))).toBe('auth_failed');
  });

  it('refuses to re-wrap under the wrong owner or id', () => {
    expect(reasonOf(() => rotating.rewrap(original, { owner: 'vault-service:gitlab', id: aad.id }))).toBe(
      'auth_failed',
    );
  });
});

describe('unknown KEK', () => {
  it('is reported as unknown_kek, naming the id', () => {
    const envelope = { ...onlyV1.encrypt(plaintext, aad), kek_id: 'v9' };
    let caught: unknown;
    try {
      rotating.decrypt(envelope, aad);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvelopeDecryptError);
    expect((caught as EnvelopeDecryptError).reason).toBe('unknown_kek');
    expect((caught as Error).message).toContain('"v9"');
  });
});
