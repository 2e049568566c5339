import { describe, expect, it } from 'vitest';
import { allowListOf, compileAllowList, parseModelList } from '../../../src/llm/allowed-models.ts';

describe('per-key model allow-lists', () => {
  it('allows everything when the setting is absent', () => {
    expect(compileAllowList(undefined)('anything')).toBe(true);
  });

  it('matches exact names and * globs, case-sensitively', () => {
    const allowed = compileAllowList(['llama3', 'gpt-4o*']);
    expect(allowed('llama3')).toBe(true);
    expect(allowed('gpt-4o-mini')).toBe(true);
    expect(allowed('gpt-4o')).toBe(true);
    expect(allowed('GPT-4o')).toBe(false);
    expect(allowed('llama3:8b')).toBe(false);
    expect(allowed('xgpt-4o')).toBe(false);
  });

  it('treats regex metacharacters in names literally', () => {
    const allowed = compileAllowList(['llama3.1:8b']);
    expect(allowed('llama3.1:8b')).toBe(true);
    expect(allowed('llama3x1:8b')).toBe(false);
  });

  it('fails closed on a malformed setting', () => {
    expect(compileAllowList('gpt-4o')('gpt-4o')).toBe(false);
    expect(compileAllowList([1, 2])('1')).toBe(false);
    expect(compileAllowList([])('gpt-4o')).toBe(false);
  });

  it('caches the compiled list per settings object', () => {
    const settings = { allowed_models: ['a'] };
    expect(allowListOf(settings)).toBe(allowListOf(settings));
    expect(allowListOf(settings)('a')).toBe(true);
  });

  it('parses the CLI comma list', () => {
    expect(parseModelList(' gpt-4o* , llama3,,')).toEqual(['gpt-4o*', 'llama3']);
  });
});
