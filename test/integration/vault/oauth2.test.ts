import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/gateway.ts';
import { metricSample } from '../../helpers/prometheus.ts';
import { type FakeApi, type FakeTokenEndpoint, startFakeApi, startFakeTokenEndpoint } from './fakes.ts';
import { startVaultGateway, type VaultAgent, type VaultGateway } from './harness.ts';

const CLIENT = { id: 'gatehouse-client', secret: 'cs_9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e' };

let api: FakeApi;
let tokens: FakeTokenEndpoint;
let gw: VaultGateway;
let agent: VaultAgent;

beforeAll(async () => {
  api = await startFakeApi();
  tokens = await startFakeTokenEndpoint(api, CLIENT);
  gw = await startVaultGateway({
    refresh_skew_ms: 60_000,
    services: [
      {
        id: 'cc',
        base_url: api.url,
        auth: { type: 'oauth2_client_credentials', token_url: `${tokens.url}/token`, scope: 'read write' },
      },
      {
        id: 'rt',
        base_url: api.url,
        auth: { type: 'oauth2_refresh_token', token_url: `${tokens.url}/token`, client_auth: 'post' },
      },
    ],
  });
  await gw.gateway.vault.admin.setCredential(
    'cc',
    {},
    JSON.stringify({ client_id: CLIENT.id, client_secret: CLIENT.secret }),
  );
  await gw.gateway.vault.admin.setCredential(
    'rt',
    {},
    JSON.stringify({ client_id: CLIENT.id, client_secret: CLIENT.secret, refresh_token: 'refresh-1' }),
  );
  agent = await gw.createAgent(['cc', 'rt']);
});

afterAll(async () => {
  await gw?.close();
  await tokens?.close();
  await api?.close();
});

/** Drops the held and the stored token, so the next call must go to the token endpoint. */
async function resetToken(service: string): Promise<void> {
  gw.gateway.vault.tokens.forget(service, 'service');
  await gw.gateway.store.write
    .deleteFrom('secrets')
    .where('owner', '=', `vault:${service}`)
    .where('name', '=', 'service#token')
    .execute();
}

function bearerOf(index: number): string {
  return (api.seen[index]?.headers.authorization ?? '').replace(/^Bearer /, '');
}

describe('vault OAuth2', () => {
  it('obtains a client-credentials token once (client_secret_basic) and reuses it while fresh', async () => {
    tokens.expiresIn = 3600;
    const before = tokens.requests.length;
    const first = await gw.call(agent, 'GET', '/vault/cc/oauth/me');
    const second = await gw.call(agent, 'GET', '/vault/cc/oauth/me');
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(tokens.requests.length).toBe(before + 1);
    const request = tokens.requests[before];
    expect(request?.form.get('grant_type')).toBe('client_credentials');
    expect(request?.form.get('scope')).toBe('read write');
    expect(request?.authorization).toMatch(/^Basic /);
    expect(first.text).not.toContain(CLIENT.secret);
  });

  it('refreshes before expiry: a token inside the skew window is replaced before it is used', async () => {
    await resetToken('cc');
    tokens.expiresIn = 30; // under the 60 s skew: already "about to expire" when issued
    const before = tokens.requests.length;
    const seenBefore = api.seen.length;
    expect((await gw.call(agent, 'GET', '/vault/cc/oauth/me')).status).toBe(200);
    expect((await gw.call(agent, 'GET', '/vault/cc/oauth/me')).status).toBe(200);
    expect(tokens.requests.length).toBe(before + 2);
    expect(bearerOf(seenBefore)).not.toBe(bearerOf(seenBefore + 1));
    tokens.expiresIn = 3600;
  });

  it('one refresher per credential: concurrent requests share one token exchange', async () => {
    await resetToken('cc');
    tokens.delayMs = 100;
    const before = tokens.requests.length;
    const results = await Promise.all(Array.from({ length: 10 }, () => gw.call(agent, 'GET', '/vault/cc/oauth/me')));
    tokens.delayMs = 0;
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(tokens.requests.length).toBe(before + 1);
  });

  it('a 401 from the service triggers one refresh and one retry', async () => {
    const current = bearerOf(api.seen.length - 1);
    api.validTokens.delete(current);
    const before = tokens.requests.length;
    const res = await gw.call(agent, 'GET', '/vault/cc/oauth/me');
    expect(res.status).toBe(200);
    expect(tokens.requests.length).toBe(before + 1);
    expect(bearerOf(api.seen.length - 1)).not.toBe(current);
    const retried = await eventually(async () =>
      (await gw.auditEvents()).find((e) => e.surface === 'vault.proxy' && e.meta.token_refreshed === true),
    );
    expect(retried.upstream?.attempts).toBe(2);
    expect(retried.status).toBe(200);
  });

  it('uses and persists rotated refresh tokens (refresh-token grant, client_secret_post)', async () => {
    const before = tokens.requests.length;
    expect((await gw.call(agent, 'GET', '/vault/rt/oauth/me')).status).toBe(200);
    expect(tokens.requests[before]?.form.get('refresh_token')).toBe('refresh-1');
    expect(tokens.requests[before]?.form.get('client_id')).toBe(CLIENT.id);
    api.validTokens.clear();
    expect((await gw.call(agent, 'GET', '/vault/rt/oauth/me')).status).toBe(200);
    expect(tokens.requests[before + 1]?.form.get('refresh_token')).toBe('refresh-2');
    const stored = await gw.gateway.store.read
      .selectFrom('secrets')
      .select('envelope')
      .where('owner', '=', 'vault:rt')
      .where('name', '=', 'service#token')
      .executeTakeFirstOrThrow();
    expect(stored.envelope).not.toContain('refresh-3');
  });

  it('a refresh failure is a 502 for the agent and marks the credential unhealthy (admin view, /readyz details, metrics)', async () => {
    await resetToken('cc');
    tokens.failWith = { status: 401, error: 'invalid_client' };
    const res = await gw.call(agent, 'GET', '/vault/cc/oauth/me');
    tokens.failWith = null;
    expect([res.status, res.code]).toEqual([502, 'vault_token_unavailable']);
    expect(res.text).not.toContain('invalid_client');
    const view = gw.gateway.vault.admin.describe(gw.gateway.vault.admin.requireService('cc'));
    expect(view.credentials[0]).toMatchObject({ scope: 'service', healthy: false });
    expect(view.credentials[0]?.unhealthy_reason).toContain('invalid_client');
    const metrics = await gw.call(null, 'GET', '/metrics');
    expect(metrics.text).toContain('gatehouse_vault_credential_healthy{service="cc",scope="service"} 0');
    const ready = JSON.parse((await gw.call(null, 'GET', '/readyz')).text);
    expect(ready.checks.vault.details.unhealthy_credentials).toEqual([
      expect.objectContaining({ service: 'cc', scope: 'service', reason: expect.stringContaining('invalid_client') }),
    ]);
    expect((await gw.call(agent, 'GET', '/vault/cc/oauth/me')).status).toBe(200);
    expect(gw.gateway.vault.admin.describe(gw.gateway.vault.admin.requireService('cc')).credentials[0]?.healthy).toBe(
      true,
    );
  });

  it('counts each token exchange in gatehouse_vault_token_refreshes_total by service and outcome', async () => {
    const refreshes = async (service: string, outcome: string) =>
      metricSample((await gw.call(null, 'GET', '/metrics')).text, 'gatehouse_vault_token_refreshes_total', {
        service,
        outcome,
      }) ?? 0;
    const counts = async () => ({
      ccSuccess: await refreshes('cc', 'success'),
      ccFailure: await refreshes('cc', 'failure'),
      rtSuccess: await refreshes('rt', 'success'),
    });
    tokens.expiresIn = 3600;
    const start = await counts();

    await resetToken('cc');
    expect((await gw.call(agent, 'GET', '/vault/cc/oauth/me')).status).toBe(200);
    // A fresh held token is reused, and a stored one read back (as another instance's refresh would be) is no
    // exchange: neither counts.
    expect((await gw.call(agent, 'GET', '/vault/cc/oauth/me')).status).toBe(200);
    gw.gateway.vault.tokens.forget('cc', 'service');
    expect((await gw.call(agent, 'GET', '/vault/cc/oauth/me')).status).toBe(200);
    expect(await counts()).toEqual({ ...start, ccSuccess: start.ccSuccess + 1 });

    await resetToken('cc');
    tokens.failWith = { status: 400, error: 'invalid_grant' };
    const refused = await gw.call(agent, 'GET', '/vault/cc/oauth/me');
    tokens.failWith = null;
    expect(refused.status).toBe(502);
    expect(await counts()).toEqual({ ...start, ccSuccess: start.ccSuccess + 1, ccFailure: start.ccFailure + 1 });

    // The refresh-token grant, started by the service's 401.
    api.validTokens.clear();
    expect((await gw.call(agent, 'GET', '/vault/rt/oauth/me')).status).toBe(200);
    expect(await counts()).toEqual({
      ccSuccess: start.ccSuccess + 1,
      ccFailure: start.ccFailure + 1,
      rtSuccess: start.rtSuccess + 1,
    });
  });

  it('never exposes client secrets, refresh or access tokens in responses, audit or logs', async () => {
    const events = JSON.stringify(await gw.auditEvents());
    const logs = gw.logs.join('\n');
    const secrets = [CLIENT.secret, 'refresh-1', 'refresh-2', ...api.validTokens];
    for (const secret of secrets) {
      expect(events).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    const res = await gw.call(agent, 'GET', '/vault/cc/oauth/me');
    const token = bearerOf(api.seen.length - 1);
    expect(res.text).not.toContain(token);
    expect(res.headers['x-echo-auth']).toBe(`Bearer ${'*'.repeat(token.length)}`);
  });
});
