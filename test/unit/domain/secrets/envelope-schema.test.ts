import { describe, expect, it } from 'vitest';
import { contracts } from '../../../../src/contracts/registry.ts';
import {
  CorruptEnvelopeError,
  isEnvelope,
  isKekId,
  parseEnvelope,
  type SecretEnvelope,
  SecretEnvelopeSchema,
} from '../../../../src/domain/secrets/index.ts';

const good: SecretEnvelope = {
  v: 1,
  alg: 'aes-256-gcm',
  kek_id: 'kek-1',
  iv: '00'.repeat(12),
  tag: '11'.repeat(16),
  ciphertext: 'abcdef',
  dek: { iv: '22'.repeat(12), tag: '33'.repeat(16), wrapped: '44'.repeat(32) },
};

function failure(value: unknown): CorruptEnvelopeError {
  try {
    parseEnvelope(value);
  } catch (error) {
    expect(error).toBeInstanceOf(CorruptEnvelopeError);
    return error as CorruptEnvelopeError;
  }
  throw new Error('expected parseEnvelope to throw');
}

describe('[INV-4] SecretEnvelopeSchema', () => {
  it('is registered as the secret-envelope contract with its $id', () => {
    const entry = contracts.find((c) => c.name === 'secret-envelope');
    expect(entry?.schema).toBe(SecretEnvelopeSchema);
    expect(SecretEnvelopeSchema.$id).toBe('secret-envelope');
    expect(SecretEnvelopeSchema.additionalProperties).toBe(false);
    expect(SecretEnvelopeSchema.properties.dek.additionalProperties).toBe(false);
  });
});

describe('parseEnvelope', () => {
  it('returns a valid envelope as is', () => {
    expect(parseEnvelope(good)).toEqual(good);
    expect(isEnvelope(good)).toBe(true);
  });

  it('accepts the JSON text of an envelope', () => {
    expect(parseEnvelope(JSON.stringify(good))).toEqual(good);
  });

  it('rejects text that is not JSON, naming the root', () => {
    const error = failure('{"v":1,');
    expect(error.field).toBe('(root)');
    expect(error.reason).toMatch(/not valid JSON/);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('rejects JSON text of a non-object', () => {
    expect(failure('"just a string"').field).toBe('(root)');
    expect(failure('null').field).toBe('(root)');
  });

  it('tells null apart from absent, and names the field either way', () => {
    const { kek_id: _omitted, ...withoutKekId } = good;
    const absent = failure(withoutKekId);
    const asNull = failure({ ...good, kek_id: null });
    expect(absent.field).toBe('kek_id');
    expect(asNull.field).toBe('kek_id');
    expect(absent.reason).toMatch(/required/);
    expect(asNull.reason).not.toMatch(/required/);
  });

  it('names a nested field with a dotted path', () => {
    const error = failure({ ...good, dek: { ...good.dek, iv: '22'.repeat(13) } });
    expect(error.field).toBe('dek.iv');
    expect(error.message).toMatch(/^corrupt secret envelope: dek\.iv: /);
  });

  it('rejects own __proto__ and constructor keys from JSON text as extra properties', () => {
    const text = JSON.stringify(good);
    expect(failure(text.replace('{', '{"__proto__":{"v":1},')).field).toBe('__proto__');
    expect(failure(text.replace('{', '{"constructor":1,')).field).toBe('constructor');
  });

  it('bounds a long extra property name and never echoes field values', () => {
    const long = 'x'.repeat(5000);
    const error = failure({ ...good, [long]: 1 });
    expect(error.field.length).toBeLessThanOrEqual(81);
    const valueError = failure({ ...good, ciphertext: 'SECRET-LOOKING-VALUE' });
    expect(valueError.message).not.toContain('SECRET-LOOKING-VALUE');
  });

  it('does not throw from isEnvelope on hostile input', () => {
    for (const value of [undefined, null, 0, 'x', [], () => 1, Symbol('s'), new Map()]) {
      expect(isEnvelope(value)).toBe(false);
    }
  });
});

describe('isKekId', () => {
  it('accepts 1-64 characters of [A-Za-z0-9._-]', () => {
    expect(isKekId('v1')).toBe(true);
    expect(isKekId('a'.repeat(64))).toBe(true);
    expect(isKekId('Kek_2024.01-b')).toBe(true);
  });

  it('rejects empty, too long, other characters and non-strings', () => {
    for (const id of ['', 'a'.repeat(65), 'kek 1', 'kek/1', 'kek:1', 'kék', 'v1\n', 1, null]) {
      expect(isKekId(id)).toBe(false);
    }
  });
});
