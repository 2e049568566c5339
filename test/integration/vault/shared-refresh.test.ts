/**
 * @module
 * Issue 7: "one refresher per credential … across instances when shared state is on". Two gateways share one
 * PostgreSQL store and one Redis; the refresh lock is `SharedState.tryLock` on Redis, so concurrent demand on both
 * instances must reach the token endpoint once. The refresh-token service rotates its refresh token on every use
 * (RFC 9700 §4.14.2), so a second, unlocked exchange would not merely be wasteful: it would fail with invalid_grant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayEnvironment, eventually, type GatewayEnvironment } from '../../helpers/gateway.ts';
import { postgresAvailable, REDIS_URL, redisAvailable } from '../../helpers/services.ts';
import { type FakeApi, type FakeTokenEndpoint, startFakeApi, startFakeTokenEndpoint } from './fakes.ts';
import { startVaultGateway, type VaultAgent, type VaultGateway } from './harness.ts';

const ok = (await postgresAvailable()) && (await redisAvailable());
const CLIENT = { id: 'shared-client', secret: 'cs_shared_0123456789abcdef0123456789ab' };
const PER_INSTANCE = 8;

describe.skipIf(!ok)('vault OAuth2 refresh across two instances (PostgreSQL + Redis)', () => {
  let environment: GatewayEnvironment;
  let api: FakeApi;
  let tokens: FakeTokenEndpoint;
  let a: VaultGateway;
  let b: VaultGateway;
  let agent: VaultAgent;

  beforeAll(async () => {
    api = await startFakeApi();
    tokens = await startFakeTokenEndpoint(api, CLIENT);
    environment = await createGatewayEnvironment('postgres', { REDIS_URL });
    const vault = {
      refresh_skew_ms: 60_000,
      services: [
        { id: 'cc', base_url: api.url, auth: { type: 'oauth2_client_credentials', token_url: `${tokens.url}/t` } },
        {
          id: 'rt',
          base_url: api.url,
          auth: { type: 'oauth2_refresh_token', token_url: `${tokens.url}/t`, client_auth: 'post' },
        },
      ],
    };
    a = await startVaultGateway(vault, { environment });
    b = await startVaultGateway(vault, { environment });
    const material = { client_id: CLIENT.id, client_secret: CLIENT.secret };
    await a.gateway.vault.admin.setCredential('cc', {}, JSON.stringify(material));
    await a.gateway.vault.admin.setCredential('rt', {}, JSON.stringify({ ...material, refresh_token: 'refresh-1' }));
    agent = await a.createAgent(['cc', 'rt']);
    await b.gateway.snapshot.refresh();
    await eventually(
      () =>
        b.gateway.vault.snapshot.isGranted(agent.keyId, 'cc') && b.gateway.vault.snapshot.isGranted(agent.keyId, 'rt'),
    );
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await environment?.dispose();
    await tokens?.close();
    await api?.close();
  });

  /** Fires PER_INSTANCE requests at each instance at once, while the token endpoint is slow enough to overlap. */
  async function burst(path: string) {
    tokens.delayMs = 150;
    try {
      const calls = [a, b].flatMap((gw) => Array.from({ length: PER_INSTANCE }, () => gw.call(agent, 'GET', path)));
      return await Promise.all(calls);
    } finally {
      tokens.delayMs = 0;
    }
  }

  it('both instances use Redis shared state and one PostgreSQL store', () => {
    expect(a.gateway.config.redisUrl).toBe(REDIS_URL);
    expect(b.gateway.config.redisUrl).toBe(REDIS_URL);
    expect(a.environment.env.DATABASE_WRITE_URL).toBe(b.environment.env.DATABASE_WRITE_URL);
  });

  it('an absent token, demanded concurrently on both instances, is obtained by one rotating refresh', async () => {
    const before = tokens.requests.length;
    const results = await burst('/vault/rt/oauth/me');
    expect(results.map((r) => r.status)).toEqual(Array(2 * PER_INSTANCE).fill(200));
    expect(tokens.requests.length).toBe(before + 1);
    expect(tokens.requests[before]?.form.get('refresh_token')).toBe('refresh-1');
    expect(tokens.currentRefreshToken).toBe('refresh-2');
  });

  it('an absent client-credentials token, demanded concurrently on both instances, is one exchange', async () => {
    const before = tokens.requests.length;
    const results = await burst('/vault/cc/oauth/me');
    expect(results.map((r) => r.status)).toEqual(Array(2 * PER_INSTANCE).fill(200));
    expect(tokens.requests.length).toBe(before + 1);
    expect(tokens.requests[before]?.form.get('grant_type')).toBe('client_credentials');
  });

  it('a 401 from the service on both instances leads to one refresh, and each call is retried once', async () => {
    // Both instances now hold the same token in memory; the service revokes it early.
    expect((await a.call(agent, 'GET', '/vault/rt/oauth/me')).status).toBe(200);
    expect((await b.call(agent, 'GET', '/vault/rt/oauth/me')).status).toBe(200);
    const held = (api.seen.at(-1)?.headers.authorization ?? '').replace(/^Bearer /, '');
    expect(held).not.toBe('');
    api.validTokens.delete(held);
    const before = tokens.requests.length;
    const results = await burst('/vault/rt/oauth/me');
    expect(results.map((r) => r.status)).toEqual(Array(2 * PER_INSTANCE).fill(200));
    expect(tokens.requests.length).toBe(before + 1);
    expect(tokens.requests[before]?.form.get('refresh_token')).toBe('refresh-2');
    await a.gateway.audit.flush();
    const refreshed = (await b.auditEvents()).filter((e) => e.meta.token_refreshed === true);
    expect(refreshed.length).toBeGreaterThan(0);
    for (const event of refreshed) expect(event.upstream?.attempts).toBe(2);
  });

  it('after the shared refresh both instances agree on the stored token and neither is unhealthy', async () => {
    const before = tokens.requests.length;
    expect((await a.call(agent, 'GET', '/vault/rt/oauth/me')).status).toBe(200);
    const fromA = api.seen.at(-1)?.headers.authorization;
    expect((await b.call(agent, 'GET', '/vault/rt/oauth/me')).status).toBe(200);
    expect(api.seen.at(-1)?.headers.authorization).toBe(fromA);
    expect(tokens.requests.length).toBe(before);
    expect(a.gateway.vault.unhealthy()).toEqual([]);
    expect(b.gateway.vault.unhealthy()).toEqual([]);
  });
});
