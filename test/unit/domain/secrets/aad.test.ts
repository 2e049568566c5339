import { describe, expect, it } from 'vitest';
import { encodeDekAad, encodeValueAad } from '../../../../src/domain/secrets/index.ts';

describe('envelope AAD encoding', () => {
  it('length-prefixes each field so shifted boundaries never collide', () => {
    const a = encodeValueAad({ owner: 'a:b', id: 'c' });
    const b = encodeValueAad({ owner: 'a', id: 'b:c' });
    expect(a.equals(b)).toBe(false);
    expect(encodeDekAad({ owner: 'ab', id: 'c' }, 'k').equals(encodeDekAad({ owner: 'a', id: 'bc' }, 'k'))).toBe(false);
  });

  it('separates the value AAD from the DEK AAD and binds the kek_id', () => {
    const aad = { owner: 'team:1', id: 's1' };
    expect(encodeValueAad(aad).equals(encodeDekAad(aad, 'v1'))).toBe(false);
    expect(encodeDekAad(aad, 'v1').equals(encodeDekAad(aad, 'v2'))).toBe(false);
  });

  it('encodes each field as a 4-byte big-endian byte length then UTF-8', () => {
    const bytes = encodeValueAad({ owner: 'é', id: 'x' });
    const label = 'gatehouse secret-envelope v1 value';
    expect(bytes.readUInt32BE(0)).toBe(label.length);
    expect(bytes.subarray(4, 4 + label.length).toString('utf8')).toBe(label);
    const ownerAt = 4 + label.length;
    expect(bytes.readUInt32BE(ownerAt)).toBe(2);
    expect(bytes.subarray(ownerAt + 4, ownerAt + 6).toString('utf8')).toBe('é');
    expect(bytes.readUInt32BE(ownerAt + 6)).toBe(1);
    expect(bytes.length).toBe(ownerAt + 11);
  });

  it('does not normalise Unicode: NFC and NFD spellings are different owners', () => {
    const nfc = encodeValueAad({ owner: 'caf\u00e9', id: 'x' });
    const nfd = encodeValueAad({ owner: 'cafe\u0301', id: 'x' });
    expect(nfc.equals(nfd)).toBe(false);
  });

  it.each([
    ['empty owner', { owner: '', id: 'x' }],
    ['empty id', { owner: 'o', id: '' }],
    ['non-string owner', { owner: 1, id: 'x' }],
    ['missing id', { owner: 'o' }],
    ['lone surrogate in id', { owner: 'o', id: 'a\ud800b' }],
    ['null aad', null],
  ])('rejects %s', (_name, aad) => {
    expect(() => encodeValueAad(aad as never)).toThrow(TypeError);
    expect(() => encodeDekAad(aad as never, 'v1')).toThrow(TypeError);
  });
});
