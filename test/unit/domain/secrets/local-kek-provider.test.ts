import { describe, expect, it } from 'vitest';
import {
  createLocalKekProvider,
  type EnvelopeAad,
  EnvelopeDecryptError,
  type EnvelopeDecryptReason,
  type SecretEnvelope,
} from '../../../../src/domain/secrets/index.ts';

const keyV0 = Buffer.alloc(32, 0xa0);
const keyV1 = Buffer.alloc(32, 0xb1);
const keyV2 = Buffer.alloc(32, 0xc2);
const aad: EnvelopeAad = { owner: 'team:0190a4b2-7c3d-7e8f-9a0b-1c2d3e4f5a6b', id: 'secret-1' };
const plaintext = 'sk-live-abcdefghijklmnopqrstuvwxyz';

function reasonOf(action: () => unknown): EnvelopeDecryptReason {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(EnvelopeDecryptError);
    return (error as EnvelopeDecryptError).reason;
  }
  throw new Error('expected an EnvelopeDecryptError');
}

// Changes one hex digit, keeping the string lowercase hex so the schema still passes and only GCM can object.
function flipHex(hex: string, at = 0): string {
  const digit = Number.parseInt(hex[at]!, 16) ^ 1;
  return `${hex.slice(0, at)}${digit.toString(16)}${hex.slice(at + 1)}`;
}

describe('createLocalKekProvider', () => {
  const v1 = createLocalKekProvider({ current: { id: 'v1', key: keyV1 } });

  it('round-trips strings, buffers, empty and binary values', () => {
    expect(v1.decrypt(v1.encrypt(plaintext, aad), aad).toString('utf8')).toBe(plaintext);
    expect(v1.decrypt(v1.encrypt('', aad), aad).length).toBe(0);
    const binary = Buffer.from([0, 255, 1, 254, 0, 0]);
    expect(v1.decrypt(v1.encrypt(binary, aad), aad).equals(binary)).toBe(true);
  });

  it('writes a schema-valid envelope under the current KEK with fresh keys and nonces', () => {
    const a = v1.encrypt(plaintext, aad);
    const b = v1.encrypt(plaintext, aad);
    expect(a).toMatchObject({ v: 1, alg: 'aes-256-gcm', kek_id: 'v1' });
    expect(a.ciphertext.length).toBe(Buffer.byteLength(plaintext) * 2);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.dek.iv).not.toBe(b.dek.iv);
    expect(a.dek.wrapped).not.toBe(b.dek.wrapped);
    expect(JSON.stringify(a)).not.toContain(Buffer.from(plaintext).toString('hex'));
  });

  it('exposes the current KEK id and which KEKs it holds', () => {
    const p = createLocalKekProvider({ current: { id: 'v2', key: keyV2 }, previous: [{ id: 'v1', key: keyV1 }] });
    expect(p.currentKekId).toBe('v2');
    expect(p.hasKek('v1')).toBe(true);
    expect(p.hasKek('v2')).toBe(true);
    expect(p.hasKek('v0')).toBe(false);
  });

  it('copies keys, so the caller may wipe its buffers', () => {
    const key = Buffer.from(keyV1);
    const p = createLocalKekProvider({ current: { id: 'v1', key } });
    const envelope = p.encrypt(plaintext, aad);
    key.fill(0);
    expect(p.decrypt(envelope, aad).toString('utf8')).toBe(plaintext);
  });

  it.each([
    ['a 31-byte key', { current: { id: 'v1', key: Buffer.alloc(31, 1) } }, /exactly 32 bytes/],
    ['a 33-byte key', { current: { id: 'v1', key: Buffer.alloc(33, 1) } }, /exactly 32 bytes/],
    [
      'a short previous key',
      { current: { id: 'v1', key: keyV1 }, previous: [{ id: 'v0', key: Buffer.alloc(16) }] },
      /"v0"/,
    ],
    ['a hex string key', { current: { id: 'v1', key: keyV1.toString('hex') } }, /exactly 32 bytes/],
    [
      'a duplicate current/previous id',
      { current: { id: 'v1', key: keyV1 }, previous: [{ id: 'v1', key: keyV0 }] },
      /duplicate/,
    ],
    [
      'a duplicate previous id',
      {
        current: { id: 'v2', key: keyV2 },
        previous: [
          { id: 'v1', key: keyV1 },
          { id: 'v1', key: keyV0 },
        ],
      },
      /duplicate KEK id "v1"/,
    ],
    ['an empty id', { current: { id: '', key: keyV1 } }, /KEK id/],
    ['an id with a colon', { current: { id: 'v:1', key: keyV1 } }, /KEK id/],
    ['a 65-character id', { current: { id: 'k'.repeat(65), key: keyV1 } }, /KEK id/],
  ])('refuses %s', (_name, options, message) => {
    expect(() => createLocalKekProvider(options as never)).toThrow(message);
  });
});

describe('AAD binding', () => {
  const p = createLocalKekProvider({ current: { id: 'v1', key: keyV1 } });
  const envelope = p.encrypt(plaintext, aad);

  it.each([
    ['another owner', { owner: 'team:other', id: aad.id }],
    ['another id', { owner: aad.owner, id: 'secret-2' }],
    ['owner and id swapped', { owner: aad.id, id: aad.owner }],
    ['a shifted boundary', { owner: `${aad.owner}s`, id: aad.id.slice(1) }],
  ])('fails for %s', (_name, other) => {
    expect(reasonOf(() => p.decrypt(envelope, other))).toBe('auth_failed');
    expect(reasonOf(() => p.rewrap(envelope, other))).toBe('auth_failed');
  });

  it('fails when a wrapped key is grafted onto another secret of the same owner', () => {
    const otherAad = { owner: aad.owner, id: 'secret-2' };
    const other = p.encrypt(plaintext, otherAad);
    expect(reasonOf(() => p.decrypt({ ...envelope, dek: other.dek }, aad))).toBe('auth_failed');
    expect(reasonOf(() => p.decrypt({ ...other, dek: envelope.dek }, otherAad))).toBe('auth_failed');
  });

  it('fails when kek_id is relabelled, even between KEKs sharing key bytes', () => {
    const twin = createLocalKekProvider({ current: { id: 'v1', key: keyV1 }, previous: [{ id: 'alias', key: keyV1 }] });
    expect(reasonOf(() => twin.decrypt({ ...envelope, kek_id: 'alias' }, aad))).toBe('auth_failed');
  });

  it('rejects a malformed aad as a programming error', () => {
    expect(() => p.encrypt(plaintext, { owner: '', id: 'x' })).toThrow(TypeError);
    expect(() => p.decrypt(envelope, { owner: aad.owner, id: '' })).toThrow(TypeError);
  });
});

describe('tampering', () => {
  const p = createLocalKekProvider({ current: { id: 'v1', key: keyV1 }, previous: [{ id: 'v0', key: keyV0 }] });
  const envelope = p.encrypt(plaintext, aad);
  const emptyEnvelope = p.encrypt('', aad);
  const last = (hex: string) => hex.length - 1;

  it.each<[string, SecretEnvelope]>([
    ['iv', { ...envelope, iv: flipHex(envelope.iv) }],
    ['tag', { ...envelope, tag: flipHex(envelope.tag, last(envelope.tag)) }],
    ['ciphertext (first byte)', { ...envelope, ciphertext: flipHex(envelope.ciphertext) }],
    ['ciphertext (last byte)', { ...envelope, ciphertext: flipHex(envelope.ciphertext, last(envelope.ciphertext)) }],
    ['ciphertext truncated', { ...envelope, ciphertext: envelope.ciphertext.slice(0, -2) }],
    ['ciphertext extended', { ...envelope, ciphertext: `${envelope.ciphertext}00` }],
    ['ciphertext added to an empty value', { ...emptyEnvelope, ciphertext: '00' }],
    ['tag of an empty value', { ...emptyEnvelope, tag: flipHex(emptyEnvelope.tag) }],
    ['dek.iv', { ...envelope, dek: { ...envelope.dek, iv: flipHex(envelope.dek.iv) } }],
    ['dek.tag', { ...envelope, dek: { ...envelope.dek, tag: flipHex(envelope.dek.tag) } }],
    ['dek.wrapped', { ...envelope, dek: { ...envelope.dek, wrapped: flipHex(envelope.dek.wrapped, 40) } }],
    ['kek_id (to another held KEK)', { ...envelope, kek_id: 'v0' }],
  ])('of %s fails authentication', (_field, tampered) => {
    expect(reasonOf(() => p.decrypt(tampered, aad))).toBe('auth_failed');
  });

  it('tampering the value is caught by decrypt, not by rewrap, which never opens the value', () => {
    const tampered = { ...envelope, ciphertext: flipHex(envelope.ciphertext) };
    const rotated = createLocalKekProvider({ current: { id: 'v2', key: keyV2 }, previous: [{ id: 'v1', key: keyV1 }] });
    expect(reasonOf(() => rotated.decrypt(rotated.rewrap(tampered, aad), aad))).toBe('auth_failed');
  });

  it.each([
    ['v', { ...envelope, v: 2 }],
    ['alg', { ...envelope, alg: 'aes-128-gcm' }],
    ['a short iv', { ...envelope, iv: envelope.iv.slice(2) }],
    ['a truncated tag', { ...envelope, tag: envelope.tag.slice(0, 30) }],
    ['uppercase hex', { ...envelope, ciphertext: envelope.ciphertext.toUpperCase().replace(/^[0-9]/, 'A') }],
    ['an extra property', { ...envelope, plaintext }],
    ['a missing dek', { ...envelope, dek: undefined }],
    ['null', null],
  ])('of %s is reported as corrupt', (_field, corrupt) => {
    expect(reasonOf(() => p.decrypt(corrupt as never, aad))).toBe('corrupt');
    expect(reasonOf(() => p.rewrap(corrupt as never, aad))).toBe('corrupt');
  });

  it('never puts key or plaintext bytes in error messages', () => {
    try {
      p.decrypt({ ...envelope, tag: flipHex(envelope.tag) }, aad);
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('"v1"');
      expect(message).not.toContain(keyV1.toString('hex').slice(0, 16));
      expect(message).not.toContain(plaintext);
    }
  });
});
