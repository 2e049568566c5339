import { describe, expect, it } from 'vitest';
import decryptVectors from '../../../../contracts/vectors/secret-envelope/decrypt.json' with { type: 'json' };
import invalidVectors from '../../../../contracts/vectors/secret-envelope/invalid.json' with { type: 'json' };
import validVectors from '../../../../contracts/vectors/secret-envelope/valid.json' with { type: 'json' };
import {
  CorruptEnvelopeError,
  createLocalKekProvider,
  encodeDekAad,
  encodeValueAad,
  isEnvelope,
  parseEnvelope,
} from '../../../../src/domain/secrets/index.ts';

const REQUIRED_INVALID = [
  'iv 11 bytes',
  'iv 13 bytes',
  'tag 15 bytes',
  'alg aes-128-gcm',
  'alg AES-256-GCM (wrong case)',
  'extra property at top level',
  'extra property inside dek',
  'non-hex ciphertext',
  'uppercase hex iv',
  'kek_id missing',
  'kek_id null',
  'v 2',
];

describe('secret-envelope vectors', () => {
  it('cover the required cases', () => {
    const names = new Set(invalidVectors.map((v) => v.name));
    for (const name of REQUIRED_INVALID) expect(names).toContain(name);
    expect(validVectors.map((v) => v.name)).toEqual(expect.arrayContaining(['good envelope', 'empty ciphertext']));
    expect(validVectors.find((v) => v.name === 'empty ciphertext')?.envelope.ciphertext).toBe('');
  });

  it.each(validVectors.map((v) => [v.name, v.envelope] as const))('valid: %s parses', (_name, envelope) => {
    expect(parseEnvelope(envelope)).toEqual(envelope);
    expect(parseEnvelope(JSON.stringify(envelope))).toEqual(envelope);
  });

  it.each(invalidVectors.map((v) => [v.name, v] as const))('invalid: %s is rejected at its field', (_name, vector) => {
    expect(isEnvelope(vector.envelope)).toBe(false);
    let caught: unknown;
    try {
      parseEnvelope(vector.envelope);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CorruptEnvelopeError);
    expect((caught as CorruptEnvelopeError).field).toBe(vector.field);
    expect(vector.reason.length).toBeGreaterThan(0);
  });

  describe('decrypt.json', () => {
    const key = Buffer.from(decryptVectors.kek.key_hex, 'hex');
    const [first, ...rest] = decryptVectors.kek.ids;
    const provider = createLocalKekProvider({
      current: { id: first!, key },
      previous: rest.map((id) => ({ id, key })),
    });

    it('uses a 32-byte key and covers every valid vector', () => {
      expect(key.length).toBe(32);
      expect(decryptVectors.cases.map((c) => c.envelope)).toEqual(validVectors.map((v) => v.envelope));
    });

    it.each(decryptVectors.cases.map((c) => [c.name, c] as const))('%s decrypts to the expected plaintext', (_n, c) => {
      expect(encodeValueAad(c.aad).toString('hex')).toBe(c.value_aad_hex);
      expect(encodeDekAad(c.aad, c.envelope.kek_id).toString('hex')).toBe(c.dek_aad_hex);
      const plaintext = provider.decrypt(parseEnvelope(c.envelope), c.aad);
      expect(plaintext.toString('hex')).toBe(c.plaintext_hex);
      expect(plaintext.toString('utf8')).toBe(c.plaintext_utf8);
    });
  });
});
