import { describe, expect, it } from 'vitest';
import { UUID_PATTERN, uuidv7 } from '../../../src/domain/ids.ts';

const pattern = new RegExp(UUID_PATTERN);

/** The 48-bit millisecond timestamp in the first 12 hex digits (RFC 9562 §5.7). */
function timestampOf(id: string): number {
  return Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
}

describe('uuidv7', () => {
  it('is a lowercase RFC 9562 version 7, variant 10 UUID carrying its millisecond timestamp', () => {
    for (const now of [0, 1, 0xffffffff, 0x1_0000_0000, 1_795_000_000_123, 2 ** 48 - 1]) {
      const id = uuidv7(now);
      expect(id).toMatch(pattern);
      expect(id[14]).toBe('7');
      expect(['8', '9', 'a', 'b']).toContain(id[19]);
      expect(timestampOf(id)).toBe(now);
    }
  });

  it('is unique across many ids in one millisecond, through refills of the entropy pool', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5_000; i++) ids.add(uuidv7(1_795_000_000_000));
    expect(ids.size).toBe(5_000);
  });

  it('sorts by time as a string', () => {
    const earlier = uuidv7(1_795_000_000_000);
    const later = uuidv7(1_795_000_000_001);
    expect(earlier < later).toBe(true);
    expect(uuidv7() > earlier).toBe(true);
  });

  it('spreads its random bits: every hex digit of the random part takes many values', () => {
    const seen = Array.from({ length: 32 }, () => new Set<string>());
    for (let i = 0; i < 2_000; i++) {
      const hex = uuidv7(0).replaceAll('-', '');
      for (let d = 0; d < 32; d++) seen[d]?.add(hex[d] as string);
    }
    // 12 timestamp digits are fixed, the version digit is 7, the variant digit has 4 values, the other 18 all 16.
    expect(seen.map((digits) => digits.size)).toEqual([...Array(12).fill(1), 1, 16, 16, 16, 4, ...Array(15).fill(16)]);
  });
});
