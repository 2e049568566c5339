import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/gateway.ts';
import { postgresAvailable } from '../../helpers/services.ts';
import { type FakeApi, type FakeTokenEndpoint, startFakeApi, startFakeTokenEndpoint } from './fakes.ts';
import { startVaultGateway, type VaultGateway } from './harness.ts';

const ok = await postgresAvailable();
const CLIENT = { id: 'pg-client', secret: 'cs_pg_0123456789abcdef0123456789abcdef' };

describe.skipIf(!ok)('vault on PostgreSQL, two instances', () => {
  let api: FakeApi;
  let tokens: FakeTokenEndpoint;
  let a: VaultGateway;
  let b: VaultGateway;

  beforeAll(async () => {
    api = await startFakeApi();
    tokens = await startFakeTokenEndpoint(api, CLIENT);
    const vault = {
      services: [
        { id: 'api', base_url: api.url, auth: { type: 'bearer' } },
        { id: 'cc', base_url: api.url, auth: { type: 'oauth2_client_credentials', token_url: `${tokens.url}/t` } },
      ],
    };
    a = await startVaultGateway(vault, { store: 'postgres' });
    b = await startVaultGateway(vault, { environment: a.environment });
    await a.gateway.vault.admin.setCredential('api', {}, 'pg_bearer_secret_0123456789');
    await a.gateway.vault.admin.setCredential(
      'cc',
      {},
      JSON.stringify({ client_id: CLIENT.id, client_secret: CLIENT.secret }),
    );
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await tokens?.close();
    await api?.close();
  });

  it('grants and revocations through one instance apply on the other', async () => {
    const agent = await a.createAgent([]);
    await b.gateway.snapshot.refresh();
    expect((await b.call(agent, 'GET', '/vault/api/x')).status).toBe(403);
    await a.gateway.vault.admin.grant(agent.keyId, ['api']);
    await eventually(async () => (await b.call(agent, 'GET', '/vault/api/x')).status === 200);
    await a.gateway.vault.admin.revoke(agent.keyId, 'api');
    await eventually(async () => (await b.call(agent, 'GET', '/vault/api/x')).status === 403);
  });

  it('instances share one OAuth2 token: the second reads the stored one instead of refreshing', async () => {
    const agent = await a.createAgent(['cc']);
    await b.gateway.snapshot.refresh();
    // Each instance learns of the grant from its own snapshot refresh.
    await eventually(
      () =>
        a.gateway.vault.snapshot.isGranted(agent.keyId, 'cc') && b.gateway.vault.snapshot.isGranted(agent.keyId, 'cc'),
    );
    const before = tokens.requests.length;
    expect((await a.call(agent, 'GET', '/vault/cc/oauth/x')).status).toBe(200);
    expect((await b.call(agent, 'GET', '/vault/cc/oauth/x')).status).toBe(200);
    expect(tokens.requests.length).toBe(before + 1);
  });

  it('replays an idempotent POST across instances', async () => {
    const agent = await a.createAgent(['api']);
    await eventually(
      () =>
        a.gateway.vault.snapshot.isGranted(agent.keyId, 'api') &&
        b.gateway.vault.snapshot.isGranted(agent.keyId, 'api'),
    );
    await b.gateway.snapshot.refresh();
    const before = api.seen.length;
    const options = { headers: { 'idempotency-key': 'pg-1', 'content-type': 'text/plain' }, body: 'hello' };
    const first = await a.call(agent, 'POST', '/vault/api/created', options);
    const second = await b.call(agent, 'POST', '/vault/api/created', options);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(api.seen.length).toBe(before + 1);
  });
});
