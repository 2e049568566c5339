/**
 * Issue 5, admin authentication with OIDC JWTs: a local issuer (JWKS on 127.0.0.1:0, tokens signed with jose), role
 * claims mapped to implicit bindings, stored bindings for `jwt:<iss>#<sub>`, and every refusal the issue lists:
 * wrong audience, issuer or algorithm, `alg: none`, expired, unknown `kid` (RFC 8725 §3.1-3.2, §3.8-3.9).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDir, startGateway } from '../../helpers/gateway.ts';
import { AUDIENCE, ISSUER, oidcYaml, startTestIssuer, type TestIssuer, unsignedToken } from './oidc-support.ts';
import { createRbacWorld, orgScope, type RbacWorld, teamScope } from './support.ts';

let issuer: TestIssuer;
let world: RbacWorld;

function configFile(body: string): string {
  const path = join(createTempDir('gatehouse-oidc-'), 'gatehouse.yaml');
  writeFileSync(path, body);
  return path;
}

describe('OIDC JWT admin authentication', () => {
  beforeAll(async () => {
    issuer = await startTestIssuer();
    world = await createRbacWorld({ env: { GATEHOUSE_CONFIG: configFile(oidcYaml(issuer.jwksUri)) } });
  });
  afterAll(async () => {
    await world?.dispose();
    await issuer?.close();
  });

  const tenantPath = (tenantId: string) => `/admin/v1/tenants/${tenantId}`;

  it('maps `<role>@<scope>` claims to bindings at that scope, for every accepted algorithm', async () => {
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const token = await issuer.sign(
        { sub: `alice-${alg}`, gatehouse_roles: [`org-admin@${orgScope(world.a1.tenant.id)}`] },
        { alg },
      );
      expect((await world.call('GET', tenantPath(world.a1.tenant.id), { token })).status, alg).toBe(200);
      const other = await world.call('GET', tenantPath(world.b1.tenant.id), { token });
      expect(other.status, alg).toBe(403);
      expect(other.json.error?.code).toBe('permission_denied');
      expect((await world.call('GET', '/admin/v1/tenants', { token })).status, alg).toBe(403);
    }
    expect(issuer.fetches()).toBe(1);
  });

  it('a bare `<role>` binds at the platform; a space-separated claim works too', async () => {
    const token = await issuer.sign({ sub: 'vera', gatehouse_roles: 'viewer unknown-role not@a-scope' });
    expect((await world.call('GET', '/admin/v1/tenants', { token })).status).toBe(200);
    expect((await world.call('GET', tenantPath(world.b1.tenant.id), { token })).status).toBe(200);
    expect((await world.call('POST', '/admin/v1/tenants', { token, body: { name: 'nope' } })).status).toBe(403);
  });

  it('a JWT subject with no roles claim is denied until a stored binding names jwt:<iss>#<sub>', async () => {
    const token = await issuer.sign({ sub: 'bob' });
    const keysPath = `/admin/v1/tenants/${world.a1.tenant.id}/teams/${world.a1.team.id}/keys`;
    expect((await world.call('GET', keysPath, { token })).status).toBe(403);
    await world.bind(`jwt:${ISSUER}#bob`, 'team-admin', teamScope(world.a1));
    expect((await world.call('GET', keysPath, { token })).status).toBe(200);
    const a2Keys = `/admin/v1/tenants/${world.a2.tenant.id}/teams/${world.a2.team.id}/keys`;
    expect((await world.call('GET', a2Keys, { token })).status).toBe(403);
  });

  it('a stored deny binding beats a role the token claims', async () => {
    const token = await issuer.sign({ sub: 'carol', gatehouse_roles: ['viewer'] });
    expect((await world.call('GET', '/admin/v1/roles', { token })).status).toBe(200);
    await world.bind(`jwt:${ISSUER}#carol`, 'viewer', 'platform', 'deny');
    expect((await world.call('GET', '/admin/v1/roles', { token })).status).toBe(403);
  });

  it('the escalation guard counts claimed roles: grants within them pass, beyond them fail', async () => {
    const token = await issuer.sign({ sub: 'dora', gatehouse_roles: [`org-admin@${orgScope(world.a1.tenant.id)}`] });
    const target = await world.createUser(world.a1.tenant.id);
    const within = await world.call('POST', `/admin/v1/tenants/${world.a1.tenant.id}/bindings`, {
      token,
      body: { principal: target.principal, role: 'team-admin', scope: teamScope(world.a1) },
    });
    expect(within.status).toBe(201);
    expect(within.json.created_by).toBe(`jwt:${ISSUER}#dora`);
    const beyond = await world.call('POST', `/admin/v1/tenants/${world.a1.tenant.id}/bindings`, {
      token,
      body: { principal: target.principal, role: 'platform-admin', scope: orgScope(world.a1.tenant.id) },
    });
    expect(beyond.status).toBe(403);
  });

  it('audits the JWT principal and refuses it on key-only data-plane surfaces', async () => {
    const token = await issuer.sign({ sub: 'erin', gatehouse_roles: ['platform-admin'] });
    const reply = await world.call('GET', '/admin/v1/tenants', { token });
    expect(reply.status).toBe(200);
    const event = (await world.gw.auditEvents()).find((e) => e.request_id === reply.headers['x-gatehouse-request-id']);
    expect(event?.principal).toMatchObject({ type: 'jwt', id: `${ISSUER}#erin` });
    expect(event?.authz).toMatchObject({ decision: 'allow', reason: 'claim_binding', binding_id: null });
    const whoami = await world.call('GET', '/gatehouse/v1/whoami', { token });
    expect(whoami.status).toBe(401);
    expect(whoami.json.error?.code).toBe('credential_not_accepted');
  });

  describe('bad tokens get 401 with a catalog code and change nothing', () => {
    const roles = { gatehouse_roles: ['platform-admin'] };
    const cases: Array<[string, () => Promise<string>, string, string]> = [
      [
        'wrong audience',
        () => issuer.sign({ sub: 'x', ...roles }, { audience: 'https://other.example' }),
        'invalid_token',
        'claim "aud"',
      ],
      [
        'wrong issuer',
        () => issuer.sign({ sub: 'x', ...roles }, { issuer: 'https://evil.example' }),
        'invalid_token',
        'claim "iss"',
      ],
      ['alg none', async () => unsignedToken({ sub: 'x', ...roles }), 'invalid_token', 'algorithm is not allowed'],
      [
        'HS256 (a symmetric algorithm)',
        () =>
          new SignJWT({ sub: 'x', ...roles })
            .setProtectedHeader({ alg: 'HS256', kid: 'key-RS256' })
            .setIssuer(ISSUER)
            .setAudience(AUDIENCE)
            .setExpirationTime('5m')
            .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!')),
        'invalid_token',
        'algorithm is not allowed',
      ],
      [
        'an algorithm/key mismatch (ES256 header, RSA kid)',
        () => issuer.sign({ sub: 'x', ...roles }, { alg: 'ES256', kid: 'key-RS256' }),
        'invalid_token',
        '(kid)',
      ],
      [
        'expired',
        () => issuer.sign({ sub: 'x', ...roles }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
        'token_expired',
        'expired',
      ],
      ['unknown kid', () => issuer.signWithUnknownKid({ sub: 'x', ...roles }), 'invalid_token', '(kid)'],
      [
        'tampered payload',
        async () => {
          const [head, , sig] = (await issuer.sign({ sub: 'x', gatehouse_roles: ['viewer'] })).split('.');
          const forged = Buffer.from(
            JSON.stringify({
              sub: 'x',
              ...roles,
              iss: ISSUER,
              aud: AUDIENCE,
              exp: Math.floor(Date.now() / 1000) + 300,
            }),
          ).toString('base64url');
          return `${head}.${forged}.${sig}`;
        },
        'invalid_token',
        'signature does not verify',
      ],
      [
        'no exp claim',
        () => issuer.sign({ sub: 'x', ...roles }, { expiresIn: null }),
        'invalid_token',
        'claim "exp" missing',
      ],
      ['a subject with whitespace', () => issuer.sign({ sub: 'two words', ...roles }), 'invalid_token', 'claim "sub"'],
      ['no subject', () => issuer.sign({ ...roles }), 'invalid_token', 'claim "sub"'],
      [
        'not yet valid (nbf)',
        () => issuer.sign({ sub: 'x', ...roles, nbf: Math.floor(Date.now() / 1000) + 3600 }),
        'invalid_token',
        'claim "nbf"',
      ],
    ];
    for (const [name, mint, code, because] of cases) {
      it(name, async () => {
        const before = await world.call('GET', '/admin/v1/tenants', { token: world.root });
        const reply = await world.call('POST', '/admin/v1/tenants', { token: await mint(), body: { name: 'forged' } });
        expect(reply.status).toBe(401);
        expect(reply.json.error).toMatchObject({ code, type: 'authentication_error' });
        expect(reply.json.error?.message).toContain(because);
        expect(reply.headers['www-authenticate']).toMatch(/^Bearer /);
        const after = await world.call('GET', '/admin/v1/tenants', { token: world.root });
        expect(after.json.data).toEqual(before.json.data);
      });
    }
  });
});

describe('OIDC JWT fail-closed and configuration', () => {
  it('answers 503 identity_unavailable when the JWKS cannot be fetched', async () => {
    const issuerDown = await startTestIssuer();
    const jwksUri = issuerDown.jwksUri;
    const token = await issuerDown.sign({ sub: 'x', gatehouse_roles: ['platform-admin'] });
    await issuerDown.close();
    const gw = await startGateway({ env: { GATEHOUSE_CONFIG: configFile(oidcYaml(jwksUri)) } });
    try {
      const response = await fetch(`${gw.baseUrl}/admin/v1/tenants`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('identity_unavailable');
    } finally {
      await gw.dispose();
    }
  });

  it('without an oidc section a JWT is refused as invalid_token, naming why', async () => {
    const gw = await startGateway();
    try {
      const token = unsignedToken({ sub: 'x' });
      const response = await fetch(`${gw.baseUrl}/admin/v1/tenants`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_token');
      expect(body.error.message).toContain('no OIDC issuer is configured');
    } finally {
      await gw.dispose();
    }
  });
});
