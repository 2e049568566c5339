import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestsEqual, generateVirtualKey, hashVirtualKey } from '../../../../src/domain/keys/index.ts';

const reference = (pepper: Buffer, key: string) => createHmac('sha256', pepper).update(key).digest('hex');

/** A random string of UTF-16 code units, lone surrogates included: UTF-8 encoding must treat them as `update` does. */
function randomText(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) {
    const pick = randomInt(4);
    if (pick === 0) text += String.fromCharCode(0x20 + randomInt(0x5f));
    else if (pick === 1) text += String.fromCharCode(0x80 + randomInt(0x780));
    else if (pick === 2) text += String.fromCharCode(0x800 + randomInt(0xf7ff));
    else text += String.fromCodePoint(0x10000 + randomInt(0xfffff));
  }
  return text;
}

describe('hashVirtualKey', () => {
  it('is HMAC-SHA-256 for peppers of every length around the block size and keys around the fast-path limit', () => {
    for (const pepperLength of [0, 1, 31, 32, 63, 64, 65, 100, 128, 200]) {
      const pepper = randomBytes(pepperLength);
      for (const key of [
        '',
        'a',
        generateVirtualKey().key,
        'x'.repeat(85),
        'x'.repeat(86),
        'x'.repeat(256),
        'é'.repeat(43),
      ]) {
        expect(hashVirtualKey(pepper, key), `pepper ${pepperLength}, key ${key.length}`).toBe(reference(pepper, key));
      }
    }
  });

  it('matches createHmac on 2,000 random peppers and keys, multi-byte and surrogate characters included', () => {
    for (let i = 0; i < 2_000; i++) {
      const pepper = randomBytes(randomInt(1, 100));
      const key = randomText(randomInt(0, 120));
      expect(hashVirtualKey(pepper, key)).toBe(reference(pepper, key));
    }
  });

  it('keeps one pepper apart from another, and each call apart from the one before (no state carried over)', () => {
    const first = randomBytes(32);
    const second = randomBytes(32);
    const long = 'k'.repeat(80);
    const short = 'k';
    expect(hashVirtualKey(first, long)).toBe(reference(first, long));
    // A shorter key after a longer one: stale bytes of the longer must not leak into the digest.
    expect(hashVirtualKey(first, short)).toBe(reference(first, short));
    expect(hashVirtualKey(second, short)).toBe(reference(second, short));
    expect(hashVirtualKey(first, short)).not.toBe(hashVirtualKey(second, short));
  });
});

describe('digestsEqual', () => {
  const digest = reference(randomBytes(32), 'gh_x');

  it('is true only for the same digest', () => {
    expect(digestsEqual(digest, `${digest}`)).toBe(true);
    expect(digestsEqual('', '')).toBe(true);
    const flip = (at: number) => `${digest.slice(0, at)}${digest[at] === '0' ? '1' : '0'}${digest.slice(at + 1)}`;
    for (const at of [0, 1, 31, 62, 63]) expect(digestsEqual(digest, flip(at)), `position ${at}`).toBe(false);
    expect(digestsEqual(digest, digest.slice(0, 63))).toBe(false);
    expect(digestsEqual(digest, `${digest}0`)).toBe(false);
  });
});
