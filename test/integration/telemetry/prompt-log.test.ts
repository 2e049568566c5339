/**
 * Issue 18 "Prompt logging, opt-in": entries exist only for keys that opted in, are envelope-encrypted at rest,
 * readable only with the dedicated `prompts.read` permission (no built-in admin, viewer or auditor role has it),
 * capped by the operator's TTL, unreadable once expired, and deleted by the purge.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptLogStore } from '../../../src/prompt-log/index.ts';
import { startGateway, type TestGateway } from '../../helpers/gateway.ts';

const CANARY = `canary-prompt-${randomBytes(8).toString('hex')}`;

describe('opt-in prompt logging', () => {
  let gw: TestGateway;
  let platform: Record<string, string>;
  let viewer: Record<string, string>;

  beforeAll(async () => {
    gw = await startGateway();
    const { token } = await gw.gateway.admin.bootstrapPlatformAdmin('prompts-admin@example.com');
    platform = { authorization: `Bearer ${token}` };
    const user = await gw.gateway.admin.createUser({ email: 'prompts-viewer@example.com' });
    for (const role of ['viewer', 'auditor']) {
      await gw.gateway.admin.createBinding({ principal: `user:${user.id}`, role, scope: 'platform' }, null);
    }
    const issued = await gw.gateway.admin.issueToken(user.id);
    viewer = { authorization: `Bearer ${issued.token}` };
    await gw.gateway.adminSnapshot.refresh();
  });
  afterAll(async () => {
    await gw?.dispose();
  });

  async function read(requestId: string, headers: Record<string, string>) {
    const response = await request(`${gw.baseUrl}/admin/v1/prompt-logs/${requestId}`, { headers });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
  }

  it('stores an opted-in call encrypted and serves it to prompts.read only', async () => {
    const requestId = `req-${randomBytes(6).toString('hex')}`;
    const stored = await gw.gateway.promptLogs.record({
      requestId,
      keyId: 'key-1',
      tenantId: 't-1',
      teamId: 'm-1',
      optIn: { ttl_s: 3600 },
      request: { model: 'm', messages: [{ role: 'user', content: CANARY }] },
      response: `{"choices":[{"message":{"content":"echo ${CANARY}"}}]}`,
    });
    expect(stored).toBe(true);
    const rows = await gw.gateway.store.read.selectFrom('prompt_logs').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(CANARY);
    expect(JSON.parse(rows.find((row) => row.request_id === requestId)?.envelope as string)).toMatchObject({
      alg: 'aes-256-gcm',
    });

    const allowed = await read(requestId, platform);
    expect(allowed.status).toBe(200);
    expect(allowed.body).toMatchObject({ request_id: requestId, key_id: 'key-1', tenant_id: 't-1' });
    expect(JSON.stringify(allowed.body.request)).toContain(CANARY);
    expect(allowed.body.response).toContain(CANARY);

    const denied = await read(requestId, viewer);
    expect(denied.status).toBe(403);
    expect(JSON.stringify(denied.body)).not.toContain(CANARY);
  });

  it('never stores a call of a key that did not opt in', async () => {
    const requestId = `req-${randomBytes(6).toString('hex')}`;
    for (const optIn of [undefined, null, {}, { ttl_s: 0 }, { ttl_s: 'forever' }]) {
      const stored = await gw.gateway.promptLogs.record({
        requestId,
        keyId: 'key-2',
        tenantId: null,
        teamId: null,
        optIn,
        request: { content: CANARY },
        response: CANARY,
      });
      expect(stored).toBe(false);
    }
    const row = await gw.gateway.store.read
      .selectFrom('prompt_logs')
      .select('request_id')
      .where('request_id', '=', requestId)
      .executeTakeFirst();
    expect(row).toBeUndefined();
    expect((await read(requestId, platform)).status).toBe(404);
  });

  it("caps a key's TTL at the operator's, hides an expired entry at once, and the purge deletes it", async () => {
    let now = Date.UTC(2026, 11, 4, 12, 0, 0);
    const store = new PromptLogStore({ store: gw.gateway.store, kek: gw.gateway.kek, maxTtlS: 120, now: () => now });
    const requestId = `req-${randomBytes(6).toString('hex')}`;
    await store.record({
      requestId,
      keyId: 'k',
      tenantId: null,
      teamId: null,
      optIn: { ttl_s: 86_400 },
      request: {},
      response: '',
    });
    const row = await gw.gateway.store.read
      .selectFrom('prompt_logs')
      .select(['created_at', 'expires_at'])
      .where('request_id', '=', requestId)
      .executeTakeFirstOrThrow();
    expect(Number(row.expires_at) - Number(row.created_at)).toBe(120_000);
    expect(await store.read(requestId)).not.toBeNull();

    now += 120_001;
    expect(await store.read(requestId)).toBeNull();
    expect(await store.purgeExpired()).toBeGreaterThanOrEqual(1);
    const gone = await gw.gateway.store.read
      .selectFrom('prompt_logs')
      .select('request_id')
      .where('request_id', '=', requestId)
      .executeTakeFirst();
    expect(gone).toBeUndefined();
  });

  it('keys opt in through their settings; a malformed opt-in is refused', async () => {
    const tenant = await gw.gateway.identity.createTenant(`t-${randomBytes(3).toString('hex')}`);
    const team = await gw.gateway.identity.createTeam(tenant.id, 'prompt-team');
    const create = await request(`${gw.baseUrl}/admin/v1/tenants/${tenant.id}/teams/${team.id}/keys`, {
      method: 'POST',
      headers: { ...platform, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'logged', settings: { prompt_log: { ttl_s: 3600 } } }),
    });
    expect(create.statusCode).toBe(201);
    const created = (await create.body.json()) as { settings?: Record<string, unknown>; key?: { settings?: unknown } };
    expect(JSON.stringify(created)).toContain('"prompt_log":{"ttl_s":3600}');
    const bad = await request(`${gw.baseUrl}/admin/v1/tenants/${tenant.id}/teams/${team.id}/keys`, {
      method: 'POST',
      headers: { ...platform, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bad', settings: { prompt_log: { ttl_s: 5 } } }),
    });
    expect(bad.statusCode).toBe(400);
  });
});
