import { describe, expect, it } from 'vitest';
import {
  everyMemberHolds,
  findStringMembers,
  readTopLevelMembers,
} from '../../../../src/domain/routing/json-members.ts';

/** Deterministic pseudo-random values covering every JSON type, escapes, quotes, backslashes and non-ASCII text. */
function generator(seed: number) {
  let state = seed;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  const strings = [
    '',
    'usage',
    'a"b',
    'back\\slash\\',
    'ünïcødé €😀',
    '{[,]}:',
    '\\"usage\\":',
    'line\nbreak',
    '\u0001',
  ];
  const keys = ['usage', 'data', 'model', 'object', 'eval_count', 'prompt_eval_count', 'nested', 'ü', 'us"age'];
  function value(depth: number): unknown {
    const kind = next(depth > 3 ? 5 : 7);
    if (kind === 0) return null;
    if (kind === 1) return next(2) === 0;
    if (kind === 2) return next(2) === 0 ? next(100000) : -next(1000) / 7;
    if (kind === 3 || kind === 4) return strings[next(strings.length)];
    if (kind === 5) return Array.from({ length: next(4) }, () => value(depth + 1));
    return object(depth + 1);
  }
  function object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let i = next(5); i > 0; i--) out[keys[next(keys.length)] as string] = value(depth);
    return out;
  }
  return { object };
}

describe('readTopLevelMembers', () => {
  const names = ['usage', 'eval_count', 'prompt_eval_count', 'us"age', 'ü'];

  it('reads the same top-level members JSON.parse does, from random objects', () => {
    const { object } = generator(11);
    for (let n = 0; n < 2_000; n++) {
      const doc = object(0);
      const raw = ` ${JSON.stringify(doc, null, ['', 2, '\t', '\r\n '][n % 4])}\n`;
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      const expected: Record<string, unknown> = {};
      for (const name of names) if (name in parsed) expected[name] = parsed[name];
      expect(readTopLevelMembers(Buffer.from(raw), names)).toEqual(expected);
    }
  });

  it('refuses every truncation of a valid object, and garbage', () => {
    const raw = JSON.stringify({
      object: 'list',
      data: [{ embedding: [0.1, -2e-7, 3], text: 'a "quoted" {brace} [x]\\' }],
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
    for (let end = 0; end < raw.length; end++) {
      expect(readTopLevelMembers(Buffer.from(raw.slice(0, end)), ['usage'])).toBeNull();
    }
    for (const garbage of [
      '<html>502</html>',
      '[1,2]',
      '"usage"',
      '{"a":1}}',
      '{"a":1} x',
      '{"a" 1}',
      '{"usage":}',
      '{"usage":{"x":tru}}',
      '{"a":[}',
    ]) {
      expect(readTopLevelMembers(Buffer.from(garbage), ['usage'])).toBeNull();
    }
  });

  it('checks structure only outside the members it reads: a misspelt literal elsewhere passes (README)', () => {
    const raw = '{"data":[{"flag":tru}],"usage":{"prompt_tokens":2}}';
    expect(readTopLevelMembers(Buffer.from(raw), ['usage'])).toEqual({ usage: { prompt_tokens: 2 } });
  });

  it('skips a usage key that is nested or inside a string', () => {
    const raw = JSON.stringify({
      data: [{ usage: 1 }],
      text: '"usage":{"prompt_tokens":9}',
      usage: { prompt_tokens: 2 },
    });
    expect(readTopLevelMembers(Buffer.from(raw), ['usage'])).toEqual({ usage: { prompt_tokens: 2 } });
    expect(readTopLevelMembers(Buffer.from(JSON.stringify({ data: [{ usage: 1 }] })), ['usage'])).toEqual({});
  });
});

describe('findStringMembers', () => {
  it('finds string values of a key at any depth, in order, never a look-alike inside a string', () => {
    const reply = {
      id: 'x',
      choices: [
        { index: 0, message: { content: 'say "finish_reason": "fake" \\', role: 'assistant' }, finish_reason: 'stop' },
        { index: 1, message: { content: '\\"finish_reason\\":"also fake"' }, finish_reason: 'length' },
        { index: 2, finish_reason: null },
        { index: 3, nested: { finish_reason: 'ünï "q"' } },
      ],
    };
    const body = Buffer.from(JSON.stringify(reply, null, 1));
    expect(findStringMembers(body, 'finish_reason', 10)).toEqual(['stop', 'length', 'ünï "q"']);
    expect(findStringMembers(body, 'finish_reason', 2)).toEqual(['stop', 'length']);
    expect(findStringMembers(Buffer.from('{"data":[1,2]}'), 'finish_reason', 10)).toEqual([]);
  });

  it('agrees with a full parse on random documents', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const document = generator(seed).object(0);
      const expected: string[] = [];
      const walk = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(walk);
        else if (value !== null && typeof value === 'object') {
          for (const [key, member] of Object.entries(value)) {
            if (key === 'usage' && typeof member === 'string') expected.push(member);
            walk(member);
          }
        }
      };
      walk(document);
      expect(findStringMembers(Buffer.from(JSON.stringify(document)), 'usage', 1000)).toEqual(expected);
    }
  });
});

describe('everyMemberHolds', () => {
  const needle = Buffer.from('"model"');

  it('agrees with a full parse on random documents, for a value that is there and one that is not', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const body = Buffer.from(JSON.stringify(generator(seed).object(0)));
      for (const candidate of ['usage', 'a"b', 'ünïcødé €😀']) {
        let expected = true;
        const walk = (value: unknown): void => {
          if (Array.isArray(value)) value.forEach(walk);
          else if (value !== null && typeof value === 'object') {
            for (const [key, member] of Object.entries(value)) {
              if (key === 'model' && member !== candidate) expected = false;
              walk(member);
            }
          }
        };
        walk(JSON.parse(body.toString()));
        expect(everyMemberHolds(body, needle, Buffer.from(JSON.stringify(candidate)))).toBe(expected);
      }
    }
  });

  it('ignores a look-alike inside a string, and holds the value only whole', () => {
    const value = Buffer.from('"m"');
    expect(everyMemberHolds(Buffer.from('{"text":"\\"model\\":\\"x\\"","model":"m"}'), needle, value)).toBe(true);
    expect(everyMemberHolds(Buffer.from('{"model":"m2"}'), needle, value)).toBe(false);
    expect(everyMemberHolds(Buffer.from('{"model": "m"'), needle, value)).toBe(true);
    expect(everyMemberHolds(Buffer.from('{"model":"'), needle, value)).toBe(false);
    expect(everyMemberHolds(Buffer.from('{"role":"model"}'), needle, value)).toBe(true);
  });
});
