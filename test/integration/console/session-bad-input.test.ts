/**
 * Console sign-in and sessions over real HTTP: forged and expired cookies, CSRF attempts, OIDC callbacks with a
 * wrong state or nonce, and a team admin's session reaching another team. Each is refused with a catalog error and
 * leaves exactly one audit event; nothing is created.
 */

import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type FakeOidcProvider, startFakeOidcProvider } from '../../helpers/fake-oidc-provider.ts';
import { createGatewayEnvironment, startGateway, type TestGateway } from '../../helpers/gateway.ts';
import { freePort } from '../../helpers/services.ts';

const SESSION = '__Host-gatehouse-session';
const LOGIN = '__Host-gatehouse-login';

function cookieOf(setCookie: string | string[] | undefined, name: string): string | null {
  for (const line of [setCookie ?? []].flat()) {
    const [pair] = line.split(';');
    if (pair?.startsWith(`${name}=`)) return pair.slice(name.length + 1);
  }
  return null;
}

describe('console sessions refuse bad input', () => {
  let gw: TestGateway;
  let idp: FakeOidcProvider;
  let adminToken: string;
  let baseUrl: string;

  beforeAll(async () => {
    idp = await startFakeOidcProvider();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const environment = await createGatewayEnvironment('sqlite', { GATEHOUSE_PUBLIC_URL: baseUrl });
    const configPath = join(environment.dataDir, 'gatehouse.yaml');
    writeFileSync(
      configPath,
      stringify({
        oidc: {
          issuer: idp.issuer,
          jwks_uri: `${idp.issuer}/jwks`,
          algorithms: ['ES256'],
          console: { client_id: idp.clientId, redirect_uri: `${baseUrl}/console/oidc/callback` },
        },
      }),
    );
    environment.env.GATEHOUSE_CONFIG = configPath;
    gw = await startGateway({ environment });
    ({ token: adminToken } = await gw.gateway.admin.bootstrapPlatformAdmin('ops@example.com'));
    await gw.gateway.adminSnapshot.refresh();
  });
  afterAll(async () => {
    await gw?.dispose();
    await idp?.close();
  });

  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
    request(`${gw.baseUrl}${path}`, {
      method: method as 'GET',
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function signIn(token = adminToken): Promise<{ cookie: string; csrf: string }> {
    const response = await call('POST', '/console/session', {}, { token });
    expect(response.statusCode).toBe(201);
    const body = (await response.body.json()) as { csrf_token: string };
    const cookie = cookieOf(response.headers['set-cookie'], SESSION);
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return { cookie: cookie as string, csrf: body.csrf_token };
  }

  async function refused(response: Awaited<ReturnType<typeof call>>, status: number, code: string) {
    const body = (await response.body.json()) as { error: { code: string } };
    expect({ status: response.statusCode, code: body.error.code }).toEqual({ status, code });
    return response.headers['x-gatehouse-request-id'] as string;
  }

  async function auditedOnce(requestId: string, expected: Record<string, unknown>) {
    const events = (await gw.auditEvents()).filter((event) => event.request_id === requestId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject(expected);
  }

  it('signs in with a token: an HttpOnly, Secure, SameSite=Strict __Host- cookie, never the token', async () => {
    const response = await call('POST', '/console/session', {}, { token: adminToken });
    const line = [response.headers['set-cookie']].flat().join('\n');
    expect(line).toMatch(
      /^__Host-gatehouse-session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Strict$/,
    );
    const text = await response.body.text();
    expect(text).not.toContain(adminToken);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('refuses a wrong token at sign-in (401, audited, no cookie)', async () => {
    const response = await call('POST', '/console/session', {}, { token: 'gha_not-a-real-token' });
    expect(response.headers['set-cookie']).toBeUndefined();
    const id = await refused(response, 401, 'invalid_api_key');
    await auditedOnce(id, { surface: 'console.session.create', status: 401, outcome: 'unauthenticated' });
  });

  it('refuses forged and unknown session cookies on the admin API and the session route', async () => {
    for (const value of ['A'.repeat(43), 'not a cookie', `${'x'.repeat(42)}=`]) {
      // A value that is not a cookie value at all is no credential; a well-formed unknown one is a dead session.
      const id = await refused(
        await call('GET', '/admin/v1/tenants', { cookie: `${SESSION}=${value}` }),
        401,
        value === 'not a cookie' ? 'missing_api_key' : 'session_invalid',
      );
      await auditedOnce(id, { surface: 'admin.tenants.list', status: 401 });
    }
    const id = await refused(
      await call('GET', '/console/session', { cookie: `${SESSION}=${'B'.repeat(43)}` }),
      401,
      'session_invalid',
    );
    await auditedOnce(id, { surface: 'console.session.get', status: 401 });
  });

  it('refuses an expired session, and a session whose admin token was revoked', async () => {
    const { cookie } = await signIn();
    await gw.gateway.store.write
      .updateTable('console_sessions')
      .set({ expires_at: Date.now() - 1000 })
      .execute();
    const id = await refused(
      await call('GET', '/admin/v1/tenants', { cookie: `${SESSION}=${cookie}` }),
      401,
      'session_expired',
    );
    await auditedOnce(id, { status: 401, outcome: 'unauthenticated' });

    const issued = await gw.gateway.admin.issueToken('ops@example.com', 'short', null);
    await gw.gateway.adminSnapshot.refresh();
    const second = await signIn(issued.token);
    await gw.gateway.admin.revokeToken(issued.record.id);
    await gw.gateway.adminSnapshot.refresh();
    await refused(
      await call('GET', '/admin/v1/tenants', { cookie: `${SESSION}=${second.cookie}` }),
      401,
      'key_revoked',
    );
  });

  it('refuses cookie-authenticated writes without the CSRF token, from another site or origin; nothing is created', async () => {
    const { cookie, csrf } = await signIn();
    const before = (await gw.gateway.identity.listTenants()).length;
    const attempts: Array<Record<string, string>> = [
      {},
      { 'x-gatehouse-csrf': 'wrong' },
      { 'x-gatehouse-csrf': csrf, 'sec-fetch-site': 'cross-site' },
      { 'x-gatehouse-csrf': csrf, 'sec-fetch-site': 'same-site' },
      { 'x-gatehouse-csrf': csrf, origin: 'http://evil.example' },
    ];
    for (const headers of attempts) {
      const id = await refused(
        await call(
          'POST',
          '/admin/v1/tenants',
          { cookie: `${SESSION}=${cookie}`, ...headers },
          { name: 'csrf-victim' },
        ),
        403,
        'csrf_failed',
      );
      await auditedOnce(id, {
        surface: 'admin.tenants.create',
        status: 403,
        outcome: 'denied',
        principal: { type: 'user' },
      });
    }
    expect((await gw.gateway.identity.listTenants()).length).toBe(before);
    const ok = await call(
      'POST',
      '/admin/v1/tenants',
      { cookie: `${SESSION}=${cookie}`, 'x-gatehouse-csrf': csrf, 'sec-fetch-site': 'same-origin', origin: gw.baseUrl },
      { name: 'made-by-console' },
    );
    expect(ok.statusCode).toBe(201);
    await ok.body.dump();
    const signOut = await call('DELETE', '/console/session', { cookie: `${SESSION}=${cookie}` });
    await refused(signOut, 403, 'csrf_failed');
  });

  it('signs out: the session is dead on every route afterwards', async () => {
    const { cookie, csrf } = await signIn();
    const out = await call('DELETE', '/console/session', { cookie: `${SESSION}=${cookie}`, 'x-gatehouse-csrf': csrf });
    expect(out.statusCode).toBe(204);
    expect([out.headers['set-cookie']].flat().join()).toContain('Max-Age=0');
    await refused(await call('GET', '/admin/v1/tenants', { cookie: `${SESSION}=${cookie}` }), 401, 'session_invalid');
  });

  async function beginLogin(): Promise<{ state: string; loginCookie: string; location: URL }> {
    const response = await call('GET', '/console/oidc/login');
    expect(response.statusCode).toBe(302);
    await response.body.dump();
    const location = new URL(response.headers.location as string);
    expect(location.origin).toBe(idp.issuer);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    const loginCookie = cookieOf(response.headers['set-cookie'], LOGIN) as string;
    expect([response.headers['set-cookie']].flat().join()).toMatch(/HttpOnly; Secure; SameSite=Lax/);
    return { state: location.searchParams.get('state') as string, loginCookie, location };
  }

  /** The IdP's half: it signs the user in and redirects back with a code bound to this login's PKCE challenge. */
  async function authorize(login: { location: URL }): Promise<string> {
    const response = await request(login.location.toString());
    await response.body.dump();
    return new URL(response.headers.location as string).searchParams.get('code') as string;
  }

  it('refuses an OIDC callback with a wrong state, a missing login cookie, a wrong nonce or audience', async () => {
    const first = await beginLogin();
    const code = await authorize(first);
    const wrongState = await call('GET', `/console/oidc/callback?code=${code}&state=forged`, {
      cookie: `${LOGIN}=${first.loginCookie}`,
    });
    expect(wrongState.headers['set-cookie']).toBeDefined();
    expect(cookieOf(wrongState.headers['set-cookie'], SESSION)).toBeNull();
    const id = await refused(wrongState, 401, 'oidc_login_failed');
    await auditedOnce(id, { surface: 'console.oidc.callback', status: 401, error_code: 'oidc_login_failed' });

    const noCookie = await call('GET', `/console/oidc/callback?code=${code}&state=${first.state}`);
    await refused(noCookie, 401, 'oidc_login_failed');

    for (const tamper of ['nonce', 'audience'] as const) {
      const login = await beginLogin();
      const fresh = await authorize(login);
      idp.tamper = tamper;
      const response = await call('GET', `/console/oidc/callback?code=${fresh}&state=${login.state}`, {
        cookie: `${LOGIN}=${login.loginCookie}`,
      });
      const body = (await response.body.json()) as { error: { code: string; message: string } };
      expect(response.statusCode).toBe(401);
      expect(body.error.message).toContain(tamper === 'nonce' ? 'nonce' : 'aud');
      expect(cookieOf(response.headers['set-cookie'], SESSION)).toBeNull();
    }
  });

  it('completes a good OIDC login into a session whose team admin cannot reach another team', async () => {
    const tenant = await gw.gateway.identity.createTenant('oidc-co');
    const own = await gw.gateway.identity.createTeam(tenant.id, 'own');
    const other = await gw.gateway.identity.createTeam(tenant.id, 'other');
    await gw.gateway.adminSnapshot.refresh();
    idp.user = { sub: 'tam', email: 'tam@example.com', roles: [`team-admin@org:${tenant.id}/team:${own.id}`] };
    const login = await beginLogin();
    const code = await authorize(login);
    const done = await call('GET', `/console/oidc/callback?code=${code}&state=${login.state}`, {
      cookie: `${LOGIN}=${login.loginCookie}`,
    });
    expect(done.statusCode).toBe(200);
    expect(await done.body.text()).toContain('url=/console/');
    const session = cookieOf(done.headers['set-cookie'], SESSION) as string;
    const cookie = { cookie: `${SESSION}=${session}` };
    const me = await call('GET', '/console/session', cookie);
    const view = (await me.body.json()) as {
      principal: { id: string };
      grants: Array<{ scope: string; permissions: string[] }>;
    };
    expect(view.principal.id).toBe(`${idp.issuer}#tam`);
    expect(view.grants.find((g) => g.scope === `org:${tenant.id}/team:${own.id}`)?.permissions).toContain(
      'admin.keys.write',
    );
    // prompts.read is outside admin.*: a team admin's grants never list it, so the console offers no prompt log.
    expect(view.grants.flatMap((g) => g.permissions)).not.toContain('prompts.read');
    const prompt = await call('GET', `/admin/v1/prompt-logs/${randomUUID()}`, cookie);
    expect(prompt.statusCode).toBe(403);
    await prompt.body.dump();
    const mine = await call('GET', `/admin/v1/tenants/${tenant.id}/teams/${own.id}/keys`, cookie);
    expect(mine.statusCode).toBe(200);
    await mine.body.dump();
    const id = await refused(
      await call('GET', `/admin/v1/tenants/${tenant.id}/teams/${other.id}/keys`, cookie),
      403,
      'permission_denied',
    );
    await auditedOnce(id, { surface: 'admin.keys.list', outcome: 'denied', principal: { type: 'jwt' } });
  });

  it("lists prompts.read in a platform admin's grants (its role is *), so the console offers the prompt log", async () => {
    const { cookie } = await signIn();
    const me = await call('GET', '/console/session', { cookie: `${SESSION}=${cookie}` });
    const view = (await me.body.json()) as { grants: Array<{ scope: string; permissions: string[] }> };
    expect(view.grants.find((g) => g.scope === 'platform')?.permissions).toContain('prompts.read');
  });
});
