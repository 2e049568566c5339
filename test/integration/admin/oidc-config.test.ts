/**
 * The `oidc:` config section: strict, asymmetric algorithms only (never HS* or none), exactly one key source, an
 * audience that defaults to GATEHOUSE_PUBLIC_URL; and the roles claim parser that maps values to implicit bindings.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.ts';
import { parseRolesClaim } from '../../../src/identity/index.ts';
import { createTempDir, randomMasterKey } from '../../helpers/gateway.ts';

function load(yaml: string, env: Record<string, string> = {}) {
  const dir = createTempDir('gatehouse-oidc-config-');
  const path = join(dir, 'gatehouse.yaml');
  writeFileSync(path, yaml);
  return loadConfig({
    env: { GATEHOUSE_DATA_DIR: dir, GATEHOUSE_MASTER_KEY: randomMasterKey(), GATEHOUSE_CONFIG: path, ...env },
  });
}

const BASE = ['oidc:', '  issuer: https://idp.example.com', '  jwks_uri: https://idp.example.com/jwks'];

describe('oidc config section', () => {
  it('fills defaults: audience from GATEHOUSE_PUBLIC_URL, every asymmetric algorithm, sub and gatehouse_roles', () => {
    const config = load(BASE.join('\n'), { GATEHOUSE_PUBLIC_URL: 'https://gw.example.com/' });
    expect(config.publicUrl).toBe('https://gw.example.com');
    expect(config.oidc).toEqual({
      issuer: 'https://idp.example.com',
      audience: 'https://gw.example.com',
      jwksUri: 'https://idp.example.com/jwks',
      jwks: null,
      algorithms: ['RS256', 'ES256', 'EdDSA'],
      clockToleranceS: 30,
      principalClaim: 'sub',
      rolesClaim: 'gatehouse_roles',
      console: null,
    });
  });

  it('is off without the section', () => {
    expect(load('region_id: eu-1').oidc).toBeNull();
  });

  it('accepts an inline JWKS instead of a URI', () => {
    const config = load(
      [
        'oidc:',
        '  issuer: https://idp.example.com',
        '  audience: gatehouse',
        '  jwks:',
        '    keys: [{ kty: OKP, crv: Ed25519, x: 11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo, kid: k1 }]',
      ].join('\n'),
    );
    expect(config.oidc?.jwks?.keys).toHaveLength(1);
    expect(config.oidc?.jwksUri).toBeNull();
  });

  it.each([
    ['HS256', [...BASE, '  audience: a', '  algorithms: [HS256]'], 'oidc.algorithms'],
    ['none', [...BASE, '  audience: a', '  algorithms: [none]'], 'oidc.algorithms'],
    ['an empty algorithm list', [...BASE, '  audience: a', '  algorithms: []'], 'oidc.algorithms'],
    ['no audience and no public URL', BASE, 'oidc.audience'],
    ['both jwks_uri and jwks', [...BASE, '  audience: a', '  jwks: { keys: [{ kty: RSA }] }'], 'oidc'],
    ['neither jwks_uri nor jwks', ['oidc:', '  issuer: https://idp.example.com', '  audience: a'], 'oidc'],
    [
      'a plain-http JWKS on a public host',
      ['oidc:', '  issuer: x', '  audience: a', '  jwks_uri: http://idp.example.com/jwks'],
      'oidc.jwks_uri',
    ],
    [
      'an issuer with a fragment',
      ['oidc:', '  issuer: https://idp#x', '  audience: a', '  jwks_uri: https://idp/jwks'],
      'oidc.issuer',
    ],
    ['an unknown key', [...BASE, '  audience: a', '  audiance: b'], 'oidc'],
    [
      'a symmetric JWK',
      ['oidc:', '  issuer: x', '  audience: a', '  jwks: { keys: [{ kty: oct, k: c2VjcmV0 }] }'],
      'oidc.jwks',
    ],
    ['a negative clock tolerance', [...BASE, '  audience: a', '  clock_tolerance_s: -1'], 'oidc.clock_tolerance_s'],
  ])('refuses %s, naming the field', (_name, lines, field) => {
    let thrown: unknown = null;
    try {
      load(lines.join('\n'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toContain(field);
  });

  it('refuses a GATEHOUSE_PUBLIC_URL that is not http(s)', () => {
    expect(() => load('region_id: eu-1', { GATEHOUSE_PUBLIC_URL: 'ftp://gw' })).toThrow(ConfigError);
  });
});

describe('roles claim', () => {
  const org = '0190a7c4-0000-7000-8000-000000000001';
  const team = '0190a7c4-0000-7000-8000-000000000002';

  it('maps <role> to platform and <role>@<scope> to that scope, from an array or a space-separated string', () => {
    expect(parseRolesClaim(['viewer', `org-admin@org:${org}`, `team-admin@org:${org}/team:${team}`])).toEqual([
      { role: 'viewer', scope: 'platform' },
      { role: 'org-admin', scope: `org:${org}` },
      { role: 'team-admin', scope: `org:${org}/team:${team}` },
    ]);
    expect(parseRolesClaim(`auditor  viewer@org:${org}`)).toEqual([
      { role: 'auditor', scope: 'platform' },
      { role: 'viewer', scope: `org:${org}` },
    ]);
  });

  it('drops malformed entries instead of failing the token, and de-duplicates', () => {
    expect(
      parseRolesClaim([
        'viewer',
        'viewer',
        'Viewer',
        `viewer@org:${org.toUpperCase()}`,
        `viewer@team:${team}`,
        'viewer@',
        42,
        null,
        { role: 'x' },
        'x'.repeat(300),
      ]),
    ).toEqual([{ role: 'viewer', scope: 'platform' }]);
    expect(parseRolesClaim(undefined)).toEqual([]);
    expect(parseRolesClaim({ viewer: true })).toEqual([]);
  });

  it('caps the number of claim bindings', () => {
    const many = Array.from({ length: 500 }, (_, i) => `role-${i}`);
    expect(parseRolesClaim(many)).toHaveLength(64);
  });
});
