import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  computeKeyCheckValue,
  parseKeyList,
  parseMasterKeyHex,
  verifyKeyCheckValue,
} from '../../../../src/domain/secrets/index.ts';

const HEX_A = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const HEX_B = 'ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100';
const keyA = Buffer.from(HEX_A, 'hex');
const keyB = Buffer.from(HEX_B, 'hex');

describe('key-check values', () => {
  it('are the first 16 bytes of HMAC-SHA-256(key, "gatehouse key check v1") in lowercase hex', () => {
    const expected = createHmac('sha256', keyA).update('gatehouse key check v1').digest('hex').slice(0, 32);
    expect(computeKeyCheckValue(keyA)).toBe(expected);
    expect(computeKeyCheckValue(keyA)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('tell keys apart', () => {
    expect(computeKeyCheckValue(keyA)).not.toBe(computeKeyCheckValue(keyB));
    expect(verifyKeyCheckValue(keyA, computeKeyCheckValue(keyA))).toBe(true);
    expect(verifyKeyCheckValue(keyB, computeKeyCheckValue(keyA))).toBe(false);
  });

  it('return false, not throw, for malformed check values', () => {
    const kcv = computeKeyCheckValue(keyA);
    for (const bad of ['', kcv.slice(0, 30), `${kcv}00`, kcv.toUpperCase(), `${kcv.slice(0, 31)}g`, null, 42]) {
      expect(verifyKeyCheckValue(keyA, bad as string)).toBe(false);
    }
  });

  it('refuse an empty key', () => {
    expect(() => computeKeyCheckValue(Buffer.alloc(0))).toThrow(RangeError);
  });
});

describe('parseMasterKeyHex', () => {
  it('parses 64 hex characters in either case', () => {
    expect(parseMasterKeyHex(HEX_A, 'GATEHOUSE_MASTER_KEY').equals(keyA)).toBe(true);
    expect(parseMasterKeyHex(HEX_A.toUpperCase(), 'GATEHOUSE_MASTER_KEY').equals(keyA)).toBe(true);
  });

  it.each([
    ['empty', '', /GATEHOUSE_MASTER_KEY is empty/],
    ['63 characters', HEX_A.slice(1), /GATEHOUSE_MASTER_KEY must be exactly 64 hex characters.*got 63/],
    ['65 characters', `${HEX_A}0`, /got 65 characters/],
    ['32 bytes as base64', keyA.toString('base64'), /non-hex characters/],
    ['non-hex character', `${HEX_A.slice(0, 63)}z`, /non-hex characters/],
    ['trailing newline', `${HEX_A}\n`, /whitespace/],
    ['0x prefix', `0x${HEX_A.slice(2)}`, /non-hex characters/],
    ['all zeros', '0'.repeat(64), /all zeros/],
  ])('rejects %s, naming the variable and not the value', (_name, value, message) => {
    let caught: unknown;
    try {
      parseMasterKeyHex(value, 'GATEHOUSE_MASTER_KEY');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toContain('GATEHOUSE_MASTER_KEY');
    if (value.length > 8) expect((caught as Error).message).not.toContain(value.trim().slice(2, 40));
  });

  it('rejects a non-string', () => {
    expect(() => parseMasterKeyHex(undefined as unknown as string, 'K')).toThrow(/K is empty/);
  });
});

describe('parseKeyList', () => {
  it('parses id:hex pairs in order, allowing spaces around commas', () => {
    const keys = parseKeyList(`v1:${HEX_A}, v0:${HEX_B}`);
    expect(keys.map((k) => k.id)).toEqual(['v1', 'v0']);
    expect(keys[0]?.key.equals(keyA)).toBe(true);
    expect(keys[1]?.key.equals(keyB)).toBe(true);
  });

  it('treats an empty or blank list as no keys', () => {
    expect(parseKeyList('')).toEqual([]);
    expect(parseKeyList('   ')).toEqual([]);
  });

  it.each([
    ['an entry without a colon', HEX_A, /entry 1 must look like <id>:<64 hex/],
    ['an empty id', `:${HEX_A}`, /entry 1 has an invalid id/],
    ['an id with a space', `v 1:${HEX_A}`, /entry 1 has an invalid id/],
    ['a duplicate id', `v1:${HEX_A},v1:${HEX_B}`, /lists the id "v1" twice/],
    ['a short key', `v1:${HEX_A},v0:abcd`, /OLD_KEYS\[v0\] must be exactly 64 hex characters/],
    ['a trailing comma', `v1:${HEX_A},`, /entry 2 must look like/],
  ])('rejects %s, naming the setting', (_name, list, message) => {
    expect(() => parseKeyList(list, 'OLD_KEYS')).toThrow(message);
  });

  it('never echoes key material in its errors', () => {
    try {
      parseKeyList(`v1:${HEX_A.slice(0, 62)}`, 'OLD_KEYS');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain(HEX_A.slice(0, 20));
    }
  });
});
