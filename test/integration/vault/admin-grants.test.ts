import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/gateway.ts';
import { type FakeApi, startFakeApi } from './fakes.ts';
import { startVaultGateway, type VaultAgent, type VaultGateway } from './harness.ts';

const SERVICE_SECRET = 'svc_0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d';
const TENANT_SECRET = 'ten_5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a';
const KEY_SECRET = 'key_ffeeddccbbaa99887766554433221100';

let api: FakeApi;
let a: VaultGateway;
let b: VaultGateway;
let admin: Record<string, string>;

beforeAll(async () => {
  api = await startFakeApi();
  a = await startVaultGateway({});
  // A second instance on the same store: grants made through A must reach it by its own snapshot refresh.
  b = await startVaultGateway({}, { environment: a.environment });
  const { token } = await a.gateway.admin.bootstrapPlatformAdmin('admin@example.com');
  await a.gateway.adminSnapshot.refresh();
  admin = { authorization: `Bearer ${token}` };
});

afterAll(async () => {
  await b?.close();
  await a?.close();
  await api?.close();
});

function adminCall(method: string, path: string, body?: unknown) {
  if (body === undefined) return a.call(null, method, path, { headers: admin });
  return a.call(null, method, path, {
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('vault admin API: services and credentials', () => {
  it('defines a service, refusing bad definitions', async () => {
    const created = await adminCall('POST', '/admin/v1/vault/services', {
      id: 'crm',
      base_url: `${api.url}/v2`,
      allowed_methods: ['GET', 'POST'],
      auth: { type: 'header', name: 'Authorization', prefix: 'Token ' },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ id: 'crm', auth_type: 'header', source: 'admin' });
    const duplicate = await adminCall('POST', '/admin/v1/vault/services', {
      id: 'crm',
      base_url: api.url,
      auth: { type: 'bearer' },
    });
    expect([duplicate.status, duplicate.code]).toEqual([409, 'conflict']);
    const plainHttp = await adminCall('POST', '/admin/v1/vault/services', {
      id: 'leaky',
      base_url: 'http://api.example.com',
      auth: { type: 'bearer' },
    });
    expect([plainHttp.status, plainHttp.code, plainHttp.json]).toMatchObject([400, 'invalid_request', {}]);
    const unknownField = await adminCall('POST', '/admin/v1/vault/services', {
      id: 'x',
      base_url: api.url,
      auth: { type: 'bearer' },
      password: 'oops',
    });
    expect([unknownField.status, unknownField.code]).toEqual([400, 'invalid_request']);
    const badAuth = await adminCall('POST', '/admin/v1/vault/services', {
      id: 'y',
      base_url: api.url,
      auth: { type: 'header', name: 'X-Key\r\nX-Evil' },
    });
    expect(badAuth.status).toBe(400);
  });

  it('stores credentials write-only, per service, tenant and key', async () => {
    const put = await adminCall('PUT', '/admin/v1/vault/services/crm/credentials', { secret: SERVICE_SECRET });
    expect(put.status, put.text).toBe(200);
    expect(put.json).toMatchObject({ service: 'crm', scope: 'service', version: 1 });
    expect(put.text).not.toContain(SERVICE_SECRET);
    const again = await adminCall('PUT', '/admin/v1/vault/services/crm/credentials', { secret: SERVICE_SECRET });
    expect(again.json).toMatchObject({ version: 2 });
    const injection = await adminCall('PUT', '/admin/v1/vault/services/crm/credentials', { secret: 'a\r\nX-Evil: 1' });
    expect([injection.status, injection.code]).toEqual([400, 'invalid_request']);
    const unknown = await adminCall('PUT', '/admin/v1/vault/services/nope/credentials', { secret: 'x' });
    expect(unknown.status).toBe(404);
    const listed = await adminCall('GET', '/admin/v1/vault/services');
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(SERVICE_SECRET);
    const crm = (listed.json as { data: Array<{ id: string; credentials: unknown[] }> }).data.find(
      (s) => s.id === 'crm',
    );
    expect(crm?.credentials).toEqual([expect.objectContaining({ scope: 'service', version: 2 })]);
  });

  it('an agent key cannot use the admin API', async () => {
    const agent = await a.createAgent([]);
    const res = await a.call(agent, 'GET', '/admin/v1/vault/services');
    expect([401, 403]).toContain(res.status);
  });
});

describe('vault grants', () => {
  let agent: VaultAgent;

  beforeAll(async () => {
    agent = await a.createAgent([]);
  });

  it('denies by default, then a grant through instance A takes effect on instance B', async () => {
    await b.gateway.snapshot.refresh();
    // B learns of the service A just defined within one refresh; take it now so the first check is about grants.
    await b.gateway.vault.snapshot.refresh();
    const denied = await b.call(agent, 'GET', '/vault/crm/contacts');
    expect([denied.status, denied.code]).toEqual([403, 'vault_service_not_granted']);
    const granted = await adminCall('POST', `/admin/v1/keys/${agent.keyId}/services`, { services: ['crm'] });
    expect(granted.status, granted.text).toBe(200);
    expect(granted.json).toEqual({ key_id: agent.keyId, services: ['crm'] });
    const before = api.seen.length;
    await eventually(async () => (await b.call(agent, 'GET', '/vault/crm/contacts')).status === 200);
    expect(api.seen[before]?.url).toBe('/v2/contacts');
    expect(api.seen[before]?.headers.authorization).toBe(`Token ${SERVICE_SECRET}`);
  });

  it('refuses grants of unknown services and to unknown keys', async () => {
    const unknownService = await adminCall('POST', `/admin/v1/keys/${agent.keyId}/services`, { services: ['nope'] });
    expect(unknownService.status).toBe(404);
    const unknownKey = await adminCall('POST', '/admin/v1/keys/00000000-0000-7000-8000-000000000000/services', {
      services: ['crm'],
    });
    expect(unknownKey.status).toBe(404);
    const badBody = await adminCall('POST', `/admin/v1/keys/${agent.keyId}/services`, { services: 'crm' });
    expect(badBody.status).toBe(400);
  });

  it('prefers the key credential, then the tenant credential, over the service one', async () => {
    const tenantPut = await adminCall('PUT', '/admin/v1/vault/services/crm/credentials', {
      secret: TENANT_SECRET,
      tenant: agent.tenantId,
    });
    expect(tenantPut.json).toMatchObject({ scope: `tenant:${agent.tenantId}` });
    const before = api.seen.length;
    await eventually(async () => {
      await b.call(agent, 'GET', '/vault/crm/contacts');
      return api.seen.at(-1)?.headers.authorization === `Token ${TENANT_SECRET}`;
    });
    await adminCall('PUT', '/admin/v1/vault/services/crm/credentials', { secret: KEY_SECRET, key: agent.keyId });
    await eventually(async () => {
      await b.call(agent, 'GET', '/vault/crm/contacts');
      return api.seen.at(-1)?.headers.authorization === `Token ${KEY_SECRET}`;
    });
    const other = await a.createAgent(['crm']);
    await a.call(other, 'GET', '/vault/crm/contacts');
    expect(api.seen.at(-1)?.headers.authorization).toBe(`Token ${SERVICE_SECRET}`);
    expect(api.seen.length).toBeGreaterThan(before);
    const removed = await adminCall('DELETE', `/admin/v1/vault/services/crm/credentials?key=${agent.keyId}`);
    expect(removed.status).toBe(200);
  });

  it('grants follow a key through rotation, and a revocation on the successor covers both', async () => {
    const rotated = await a.gateway.identity.rotateKey(agent.keyId, 60_000);
    const successor = { authorization: `Bearer ${rotated.key}` };
    await eventually(
      async () => (await b.call({ ...agent, headers: successor }, 'GET', '/vault/crm/x')).status === 200,
    );
    const revoked = await adminCall('DELETE', `/admin/v1/keys/${rotated.record.id}/services/crm`);
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.json).toEqual({ key_id: rotated.record.id, services: [] });
    await eventually(
      async () => (await b.call({ ...agent, headers: successor }, 'GET', '/vault/crm/x')).status === 403,
    );
    await eventually(async () => (await b.call(agent, 'GET', '/vault/crm/x')).status === 403);
    const again = await adminCall('DELETE', `/admin/v1/keys/${rotated.record.id}/services/crm`);
    expect(again.status).toBe(404);
  });

  it('removing a service makes it unknown everywhere', async () => {
    const other = await a.createAgent(['crm']);
    const deleted = await adminCall('DELETE', '/admin/v1/vault/services/crm');
    expect(deleted.status).toBe(200);
    await eventually(async () => (await b.call(other, 'GET', '/vault/crm/x')).status === 404);
    expect((await adminCall('GET', '/admin/v1/vault/services/crm')).status).toBe(404);
  });

  it('audits admin calls without the secret', async () => {
    const events = JSON.stringify(await a.auditEvents());
    for (const secret of [SERVICE_SECRET, TENANT_SECRET, KEY_SECRET]) {
      expect(events).not.toContain(secret);
      expect(a.logs.join('\n')).not.toContain(secret);
      expect(b.logs.join('\n')).not.toContain(secret);
    }
    expect(events).toContain('admin.keys.services.grant');
  });
});
