import { describe, expect, it } from 'vitest';
import { injectQueryParam, matchesPrefix, resolveServicePath } from '../../../src/vault/path-guard.ts';

describe('resolveServicePath', () => {
  const allowed = ['/repos/', '/user'];

  it('accepts paths under an allowed prefix and keeps the raw bytes and query', () => {
    expect(resolveServicePath('/vault/gh/repos/a/b%20c?x=1&y=%2F', 'gh', allowed)).toEqual({
      ok: true,
      path: '/repos/a/b%20c',
      query: 'x=1&y=%2F',
      prefix: '/repos/',
    });
    expect(resolveServicePath('/vault/gh/user', 'gh', allowed)).toMatchObject({ ok: true, prefix: '/user' });
    expect(resolveServicePath('/vault/gh/user/emails', 'gh', allowed)).toMatchObject({ ok: true });
    expect(resolveServicePath('/vault/gh/repos', 'gh', allowed)).toMatchObject({ ok: true });
  });

  it('matches prefixes on segment boundaries only', () => {
    expect(resolveServicePath('/vault/gh/users', 'gh', allowed)).toMatchObject({
      ok: false,
      code: 'vault_path_not_allowed',
    });
    expect(matchesPrefix('/userx', '/user')).toBe(false);
    expect(matchesPrefix('/', '/')).toBe(true);
  });

  it.each([
    '/vault/gh/repos/../admin',
    '/vault/gh/repos/./x',
    '/vault/gh/repos/%2e%2e/admin',
    '/vault/gh/repos/%2E./admin',
    '/vault/gh/repos/a%2fb',
    '/vault/gh/repos/a%5Cb',
    '/vault/gh/repos//a',
    '/vault/gh/repos/..;/admin',
    '/vault/gh/repos/a%0d%0ab',
    '/vault/gh/repos/a%00',
    '/vault/gh/repos/a%7f',
    '/vault/gh/repos/a%zz',
    '/vault/gh/repos/a%',
    '/vault/gh/repos/a b',
    '/vault/gh/repos/a\\b',
    '/vault/gh/repos/x?q=%0a',
    '/vault/gh/repos/x?q=a b',
    '/vault/%67h/repos/x',
  ])('refuses %s', (url) => {
    expect(resolveServicePath(url, 'gh', allowed)).toMatchObject({ ok: false, code: 'vault_invalid_path' });
  });

  it('refuses very long paths', () => {
    expect(resolveServicePath(`/vault/gh/repos/${'a'.repeat(5000)}`, 'gh', allowed)).toMatchObject({ ok: false });
  });
});

describe('injectQueryParam', () => {
  it('replaces agent-supplied copies of the parameter, however encoded', () => {
    expect(injectQueryParam('a=1&key=x&k%65y=y&b=2', 'key', 's e/cret')).toBe('a=1&b=2&key=s%20e%2Fcret');
    expect(injectQueryParam('', 'key', 'v')).toBe('key=v');
  });
});
