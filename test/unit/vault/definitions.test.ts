import { describe, expect, it } from 'vitest';
import { parseCredentialInput, secretStrings } from '../../../src/vault/credentials.ts';
import { buildUpstreamHeaders, filterResponseHeaders, findInjectedHeader } from '../../../src/vault/headers.ts';
import { compileService, VaultDefinitionError } from '../../../src/vault/service-definition.ts';
import { compileConfigServices } from '../../../src/vault/vault.ts';

describe('compileService', () => {
  it('normalises a definition', () => {
    const service = compileService(
      { id: 'gh', base_url: 'https://api.github.com/v3/', auth: { type: 'bearer' } },
      'config',
    );
    expect(service).toMatchObject({ origin: 'https://api.github.com', basePath: '/v3', allowedPaths: ['/'] });
    expect([...service.allowedMethods]).toContain('GET');
  });

  it.each([
    [{ id: 'x', base_url: 'http://api.example.com', auth: { type: 'bearer' } }, 'base_url'],
    [{ id: 'x', base_url: 'https://u:p@api.example.com', auth: { type: 'bearer' } }, 'base_url'],
    [{ id: 'x', base_url: 'https://api.example.com?k=1', auth: { type: 'bearer' } }, 'base_url'],
    [{ id: 'x', base_url: 'ftp://api.example.com', auth: { type: 'bearer' } }, 'base_url'],
    [{ id: 'X!', base_url: 'https://a.example', auth: { type: 'bearer' } }, 'id'],
    [{ id: 'x', base_url: 'https://a.example', auth: { type: 'magic' } }, 'auth'],
    [
      { id: 'x', base_url: 'https://a.example', auth: { type: 'bearer' }, allowed_paths: ['/a/../b'] },
      'allowed_paths.0',
    ],
    [
      {
        id: 'x',
        base_url: 'https://a.example',
        auth: { type: 'oauth2_client_credentials', token_url: 'http://idp.example.com/token' },
      },
      'auth.token_url',
    ],
  ])('refuses %j (field %s)', (input, field) => {
    try {
      compileService(input, 'admin');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(VaultDefinitionError);
      expect((error as VaultDefinitionError).field).toBe(field);
    }
  });

  it('names the config entry of a bad or duplicate service', () => {
    const ok = { id: 'a', base_url: 'https://a.example', auth: { type: 'bearer' as const } };
    expect(() => compileConfigServices({ services: [ok, ok] })).toThrow(/vault\.services\.1\.id/);
  });
});

describe('parseCredentialInput', () => {
  it('parses each scheme and refuses line breaks', () => {
    expect(parseCredentialInput({ type: 'bearer' }, 'tok\n')).toEqual({ kind: 'secret', value: 'tok' });
    expect(parseCredentialInput({ type: 'basic' }, 'u:p:q')).toEqual({ kind: 'basic', username: 'u', password: 'p:q' });
    expect(() => parseCredentialInput({ type: 'basic' }, ':p')).toThrow();
    expect(() => parseCredentialInput({ type: 'bearer' }, 'a\r\nb')).toThrow();
    expect(() =>
      parseCredentialInput({ type: 'oauth2_refresh_token', token_url: 'https://a.example/t' }, '{"client_id":"c"}'),
    ).toThrow(/refresh_token/);
  });

  it('lists raw and encoded forms as secret strings', () => {
    expect(secretStrings({ kind: 'secret', value: 'a/b' })).toEqual(['a/b', 'a%2Fb']);
    expect(secretStrings({ kind: 'basic', username: 'u', password: 'p' })).toContain(
      Buffer.from('u:p').toString('base64'),
    );
  });
});

describe('headers', () => {
  it('drops hop-by-hop, gateway, forwarding and credential headers', () => {
    const out = buildUpstreamHeaders(
      {
        connection: 'close, x-drop',
        'x-drop': '1',
        'keep-alive': '5',
        authorization: 'Bearer gh_x',
        'x-gatehouse-trace': '1',
        'x-api-key': 'agent',
        'content-type': 'text/plain',
        host: 'gw',
      },
      'x-api-key',
    );
    expect(out).toEqual({ 'content-type': 'text/plain', 'accept-encoding': 'identity' });
  });

  it('finds CR/LF/NUL in header values', () => {
    expect(findInjectedHeader({ a: 'ok', b: ['x', 'y\nz'] })).toBe('b');
    expect(findInjectedHeader({ a: 'ok' })).toBeNull();
  });

  it('filters response hop-by-hop headers and redacts values', () => {
    const out = filterResponseHeaders(
      { Connection: 'x-h', 'x-h': '1', 'Transfer-Encoding': 'chunked', 'X-Echo': 'tok', 'set-cookie': ['a=tok'] },
      (v) => v.replace('tok', '***'),
    );
    expect(out).toEqual({ 'x-echo': '***', 'set-cookie': ['a=***'] });
  });
});
