/**
 * Issue 18 "Prompt logging, opt-in": entries exist only for keys that opted in (themselves or through their team),
 * are envelope-encrypted at rest, readable only with the dedicated `prompts.read` permission (no built-in admin,
 * viewer or auditor role has it), capped by the operator's TTL, unreadable once expired, and deleted by the purge.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/domain/principal.ts';
import { PromptLogStore, resolvePromptLogOptIn } from '../../../src/prompt-log/index.ts';
import { startGateway, type TestGateway } from '../../helpers/gateway.ts';

const CANARY = `canary-prompt-${randomBytes(8).toString('hex')}`;

function keyPrincipal(settings: Record<string, unknown>, teamId: string | null = 'team-1'): Principal {
  return { type: 'key', id: 'key-1', tenantId: 't-1', teamId, name: 'k', settings, expiresAt: null };
}

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
      optIn: { source: 'key', ttlMs: 3_600_000 },
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

  it("resolves the opt-in: the key's own setting wins, else the team's, both under the operator's cap", () => {
    const cap = 7200;
    const cases: Array<[unknown, unknown, ReturnType<typeof resolvePromptLogOptIn>]> = [
      [undefined, undefined, null],
      [{ ttl_s: 3600 }, undefined, { source: 'key', ttlMs: 3_600_000 }],
      [undefined, { ttl_s: 600 }, { source: 'team', ttlMs: 600_000 }],
      [null, { ttl_s: 600 }, { source: 'team', ttlMs: 600_000 }],
      [{ ttl_s: 3600 }, { ttl_s: 600 }, { source: 'key', ttlMs: 3_600_000 }],
      // A key's explicit 0 opts it out of its team's opt-in; a malformed setting of its own counts as off too.
      [{ ttl_s: 0 }, { ttl_s: 600 }, null],
      [{}, { ttl_s: 600 }, null],
      [{ ttl_s: 'forever' }, { ttl_s: 600 }, null],
      [undefined, { ttl_s: 0 }, null],
      [undefined, 'yes', null],
      [{ ttl_s: 86_400 }, undefined, { source: 'key', ttlMs: 7_200_000 }],
      [undefined, { ttl_s: 86_400 }, { source: 'team', ttlMs: 7_200_000 }],
    ];
    for (const [key, team, expected] of cases) {
      expect([key, team, resolvePromptLogOptIn(key, team, cap)]).toEqual([key, team, expected]);
    }
    expect(resolvePromptLogOptIn({ ttl_s: 3600 }, { ttl_s: 3600 }, 0)).toBeNull();
  });

  it('never stores a call of a key that did not opt in, nor of a team that did not', async () => {
    const requestId = `req-${randomBytes(6).toString('hex')}`;
    const teams: Record<string, Record<string, unknown>> = {
      'team-in': { prompt_log: { ttl_s: 600 } },
      'team-off': {},
    };
    const store = new PromptLogStore({
      store: gw.gateway.store,
      kek: gw.gateway.kek,
      maxTtlS: 3600,
      teamSettings: (id) => teams[id] ?? {},
    });
    const principals = [
      keyPrincipal({}, 'team-off'),
      keyPrincipal({}, null),
      keyPrincipal({ prompt_log: { ttl_s: 0 } }, 'team-in'),
      keyPrincipal({ prompt_log: { ttl_s: 'forever' } }, 'team-in'),
      { ...keyPrincipal({ prompt_log: { ttl_s: 600 } }, 'team-in'), type: 'user' as const },
    ];
    for (const principal of principals) {
      const optIn = store.optInFor(principal);
      expect(optIn).toBeNull();
      const stored = await store.record({
        requestId,
        keyId: principal.id,
        tenantId: null,
        teamId: principal.teamId,
        optIn,
        request: { content: CANARY },
        response: CANARY,
      });
      expect(stored).toBe(false);
    }
    expect(store.optInFor(keyPrincipal({}, 'team-in'))).toEqual({ source: 'team', ttlMs: 600_000 });
    const row = await gw.gateway.store.read
      .selectFrom('prompt_logs')
      .select('request_id')
      .where('request_id', '=', requestId)
      .executeTakeFirst();
    expect(row).toBeUndefined();
    expect((await read(requestId, platform)).status).toBe(404);
  });

  it("caps a key's and a team's TTL at the operator's, hides an expired entry at once, and the purge deletes it", async () => {
    let now = Date.UTC(2026, 11, 4, 12, 0, 0);
    const store = new PromptLogStore({
      store: gw.gateway.store,
      kek: gw.gateway.kek,
      maxTtlS: 120,
      now: () => now,
      teamSettings: () => ({ prompt_log: { ttl_s: 86_400 } }),
    });
    const ids = [`req-${randomBytes(6).toString('hex')}`, `req-${randomBytes(6).toString('hex')}`];
    const principals = [keyPrincipal({ prompt_log: { ttl_s: 86_400 } }), keyPrincipal({})];
    for (const [index, principal] of principals.entries()) {
      await store.record({
        requestId: ids[index] as string,
        keyId: 'k',
        tenantId: null,
        teamId: principal.teamId,
        optIn: store.optInFor(principal),
        request: {},
        response: '',
      });
    }
    const rows = await gw.gateway.store.read
      .selectFrom('prompt_logs')
      .select(['request_id', 'created_at', 'expires_at'])
      .where('request_id', 'in', ids)
      .execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(Number(row.expires_at) - Number(row.created_at)).toBe(120_000);
    for (const id of ids) expect(await store.read(id)).not.toBeNull();

    now += 120_001;
    for (const id of ids) expect(await store.read(id)).toBeNull();
    expect(await store.purgeExpired()).toBeGreaterThanOrEqual(2);
    const gone = await gw.gateway.store.read
      .selectFrom('prompt_logs')
      .select('request_id')
      .where('request_id', 'in', ids)
      .execute();
    expect(gone).toEqual([]);
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
