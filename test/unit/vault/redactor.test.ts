import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { compileNeedles, RedactingStream, redactText } from '../../../src/vault/redactor.ts';

async function run(chunks: string[], needles: string[]): Promise<{ text: string; masked: number }> {
  const stream = new RedactingStream(compileNeedles(needles));
  const out: Buffer[] = [];
  Readable.from(chunks.map((chunk) => Buffer.from(chunk))).pipe(stream);
  for await (const chunk of stream) out.push(chunk as Buffer);
  return { text: Buffer.concat(out).toString(), masked: stream.masked };
}

describe('RedactingStream', () => {
  it('masks a secret split across every possible chunk boundary, keeping the length', async () => {
    const body = 'before SECRET-123 middle SECRET-123 after';
    for (let cut = 1; cut < body.length; cut++) {
      for (let cut2 = cut; cut2 < body.length; cut2 += 7) {
        const { text, masked } = await run(
          [body.slice(0, cut), body.slice(cut, cut2), body.slice(cut2)],
          ['SECRET-123'],
        );
        expect(text).toBe('before ********** middle ********** after');
        expect(masked).toBe(2);
      }
    }
  });

  it('passes bytes through untouched when there is nothing to hide', async () => {
    expect((await run(['a', 'b'], [])).text).toBe('ab');
    expect((await run(['plain text'], ['absent'])).text).toBe('plain text');
  });

  it('masks every encoding given, longest first', async () => {
    const { text } = await run(['k=a%2Fb and a/b'], ['a/b', 'a%2Fb']);
    expect(text).toBe('k=***** and ***');
  });
});

describe('redactText', () => {
  it('masks header values', () => {
    expect(redactText('Bearer tok-1', compileNeedles(['tok-1']))).toBe('Bearer *****');
    expect(redactText('nothing', compileNeedles(['x-y']))).toBe('nothing');
  });
});
