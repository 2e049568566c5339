import canonicalizeExport from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonWithout } from '../../../src/domain/canonical-json.ts';

type Serialize = (input: unknown) => string | undefined;
const loaded: unknown = canonicalizeExport;
const reference = (typeof loaded === 'function' ? loaded : (loaded as { default: Serialize }).default) as Serialize;

/** A small deterministic PRNG, so a failure names a reproducible seed. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const STRINGS = ['', 'a', 'é', '€', '😀', '\u2028', '"quote"', 'back\\slash', '\n\t', 'A', 'b', '\u0000', 'ﬁ', 'z'];

function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 5 : 8));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return [0, -0, 1, -1, 0.1, 1e21, 1e-7, 123456789.123, -5e-324, 2 ** 53, Math.PI][Math.floor(random() * 11)];
    case 3:
      return STRINGS[Math.floor(random() * STRINGS.length)];
    case 4:
      return Math.floor(random() * 1e6) / 100;
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 5); i > 0; i--) {
        object[STRINGS[Math.floor(random() * STRINGS.length)] as string] = randomValue(random, depth + 1);
      }
      return object;
    }
  }
}

describe('canonicalJson (RFC 8785)', () => {
  it('matches the canonicalize package on 2,000 random values', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const value = randomValue(rng(seed), 0);
      expect(canonicalJson(value), `seed ${seed}`).toBe(reference(value));
    }
  });

  it('orders members by UTF-16 code units and writes numbers the ES6 way', () => {
    expect(canonicalJson({ b: 1, a: [1e21, -0, 0.000001], '€': true, '😀': null, é: 'x' })).toBe(
      '{"a":[1e+21,0,0.000001],"b":1,"é":"x","€":true,"😀":null}',
    );
  });

  it('refuses values JSON cannot carry and leaves undefined members out', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson({ a: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => canonicalJson(10n)).toThrow(TypeError);
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
  });

  it('can leave one top-level member out', () => {
    expect(canonicalJsonWithout({ hash: 'x', b: { hash: 'kept' }, a: 1 }, 'hash')).toBe('{"a":1,"b":{"hash":"kept"}}');
  });
});
