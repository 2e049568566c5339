import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES, findPrice, PriceBook } from '../../../../src/domain/limits/index.ts';

describe('PriceBook', () => {
  it('layers admin rows over config rows over the defaults, and says where each row comes from', () => {
    const book = new PriceBook({ 'gpt-4o': { input: 1, output: 2 }, house: { input: 3, output: 4 } }, true);
    expect(book.table['gpt-4o']).toEqual({ input: 1, output: 2 });
    expect(book.table['gpt-4o-mini']).toEqual(DEFAULT_PRICES['gpt-4o-mini']);
    book.setAdmin([
      ['house', { input: 5, output: 6 }],
      ['gpt-4o-mini', { input: 7, output: 8 }],
      ['fresh', { input: 9, output: 9 }],
    ]);
    const bySource = Object.fromEntries(book.entries().map((entry) => [entry.model, [entry.source, entry.overrides]]));
    expect(bySource['gpt-4o']).toEqual(['config', null]);
    expect(bySource.house).toEqual(['admin', 'config']);
    expect(bySource['gpt-4o-mini']).toEqual(['admin', 'default']);
    expect(bySource.fresh).toEqual(['admin', null]);
    expect(bySource['claude-sonnet-4-5']).toEqual(['default', null]);
    expect(book.entries().map((entry) => entry.model)).toEqual(Object.keys(book.table).sort());
  });

  it('gives a new frozen table on every change, so a holder of the old one sees no edit', () => {
    const book = new PriceBook({}, false);
    const before = book.table;
    expect(before).toEqual({});
    book.setAdmin([['m', { input: 1, output: 1 }]]);
    expect(before).toEqual({});
    expect(Object.isFrozen(book.table)).toBe(true);
    book.setAdmin([]);
    expect(book.table).toEqual({});
    expect(book.isAdminSet('m')).toBe(false);
  });

  it('falls back to the config or default row when an admin row goes, and knows none without defaults', () => {
    const book = new PriceBook({ house: { input: 3, output: 4 } }, false);
    expect(book.baseline('house')).toEqual({ price: { input: 3, output: 4 }, source: 'config' });
    expect(book.baseline('gpt-4o')).toBeNull();
    expect(new PriceBook({}, true).baseline('gpt-4o')?.source).toBe('default');
  });

  it('treats a model named __proto__ as a row, never as the prototype', () => {
    const book = new PriceBook({}, false);
    book.setAdmin([['__proto__', { input: 1, output: 1 }]]);
    expect(findPrice(book.table, '__proto__')).toEqual({ input: 1, output: 1 });
    expect(findPrice(book.table, 'toString')).toBeNull();
    expect(book.entries().map((entry) => entry.model)).toEqual(['__proto__']);
  });
});
