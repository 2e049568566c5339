import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodedForms } from '../../../src/vault/encoded-forms.ts';
import { compileNeedles, redactText } from '../../../src/vault/redactor.ts';

const printable = fc.string({
  unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~'.split('')),
});
const secret = printable.filter((value) => value.trim().length >= 8);

describe('encodedForms', () => {
  it('keeps short secrets to their raw and URL-encoded forms', () => {
    expect(encodedForms('a/b')).toEqual(['a/b', 'a%2Fb', 'a%2fb']);
    expect(encodedForms('')).toEqual([]);
  });

  it('a secret inside a larger base64 value, at any offset, never decodes back whole', () => {
    fc.assert(
      fc.property(secret, printable, printable, (value, before, after) => {
        const needles = compileNeedles([value]);
        for (const encode of [(b: Buffer) => b.toString('base64'), (b: Buffer) => b.toString('base64url')]) {
          const masked = redactText(encode(Buffer.from(`${before}${value}${after}`)), needles);
          expect(Buffer.from(masked.replaceAll('*', 'A'), 'base64').toString('latin1')).not.toContain(value);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('masks hex, every-byte URL and \\u escapes of a secret inside other text', () => {
    fc.assert(
      fc.property(secret, printable, (value, around) => {
        const needles = compileNeedles([value]);
        const bytes = Buffer.from(value);
        const escaped = [...value].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
        for (const form of [bytes.toString('hex'), escaped, JSON.stringify(value).slice(1, -1)]) {
          expect(redactText(`${around}${form}${around}`, needles)).not.toContain(form);
        }
      }),
      { numRuns: 300 },
    );
  });
});
