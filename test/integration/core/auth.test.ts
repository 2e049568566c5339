/**
 * Issue 2 §3: every request carries `Authorization: Bearer <key>`; a missing, malformed, unknown, revoked, expired
 * or rotated-out key gets 401 in the one error shape. Revocation lands within 1 s (DESIGN §2 invariant 3).
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentRevision } from '../../../src/store/index.ts';
import { eventually, runCliWithEnv, startGateway, type TestGateway, uniqueName } from '../../helpers/gateway.ts';

const WHOAMI = '/gatehouse/v1/whoami';

interface ErrorReply {
  status: number;
  code: string | undefined;
  body: Record<string, unknown>;
  wwwAuthenticate: string | string[] | undefined;
}

describe('[INV-3] authentication over HTTP (sqlite)', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw?.dispose();
  });

  async function whoami(authorization?: string): Promise<ErrorReply> {
    const response = await request(`${gw.baseUrl}${WHOAMI}`, {
      headers: authorization === undefined ? {} : { authorization },
    });
    const body = (await response.body.json()) as Record<string, unknown>;
    const error = body.error as { code?: string } | undefined;
    return {
      status: response.statusCode,
      code: error?.code,
      body,
      wwwAuthenticate: response.headers['www-authenticate'],
    };
  }

  function expectUnauthorized(reply: ErrorReply, code: string): void {
    expect(reply.status).toBe(401);
    expect(reply.wwwAuthenticate).toMatch(/^Bearer /);
    expect(Object.keys(reply.body)).toEqual(['error']);
    const error = reply.body.error as Record<string, unknown>;
    expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(error).toMatchObject({ type: 'authentication_error', code });
    expect(typeof error.message).toBe('string');
  }

  /** Moves a key's expiry into the past with a fresh revision, as if its time had run out. */
  async function expireNow(keyId: string): Promise<void> {
    await gw.gateway.store.write.transaction().execute(async (trx) => {
      const rev = (await currentRevision(trx)) + 1;
      await trx.updateTable('revisions').set({ rev }).where('id', '=', 1).execute();
      await trx
        .updateTable('virtual_keys')
        .set({ expires_at: Date.now() - 1, rev })
        .where('id', '=', keyId)
        .execute();
    });
  }

  it('answers a valid key with its principal, never the key', async () => {
    const identity = await gw.createIdentity();
    const response = await request(`${gw.baseUrl}${WHOAMI}`, { headers: identity.headers });
    expect(response.statusCode).toBe(200);
    const text = await response.body.text();
    expect(text).not.toContain(identity.key);
    expect(JSON.parse(text)).toMatchObject({
      object: 'principal',
      type: 'key',
      id: identity.record.id,
      tenant_id: identity.tenant.id,
      team_id: identity.team.id,
      expires_at: null,
    });
  });

  it('accepts a key and an admin token created a moment ago in another process, before the next poll', async () => {
    const env = gw.environment.env;
    const tenant = uniqueName('fresh');
    // With polling stopped, only the refresh a missed lookup asks for can find the new credentials.
    gw.gateway.snapshot.stop();
    gw.gateway.adminSnapshot.stop();
    expect((await runCliWithEnv(env, ['tenant', 'create', '--name', tenant])).code).toBe(0);
    expect((await runCliWithEnv(env, ['team', 'create', '--tenant', tenant, '--name', 'team'])).code).toBe(0);
    const created = await runCliWithEnv(env, ['key', 'create', '--tenant', tenant, '--team', 'team', '--name', 'k']);
    const key = created.stdout.trim();
    const response = await request(`${gw.baseUrl}${WHOAMI}`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
    const issued = await runCliWithEnv(env, ['admin', 'bootstrap', '--email', `${tenant}@example.com`]);
    const token = issued.stdout.trim();
    const admin = await request(`${gw.baseUrl}/admin/v1/tenants`, { headers: { authorization: `Bearer ${token}` } });
    expect(admin.statusCode).toBe(200);
    await admin.body.dump();
    await gw.gateway.snapshot.start();
    await gw.gateway.adminSnapshot.start();
  });

  it('accepts the scheme case-insensitively (RFC 7235 §2.1)', async () => {
    const identity = await gw.createIdentity();
    const response = await request(`${gw.baseUrl}${WHOAMI}`, { headers: { authorization: `bearer ${identity.key}` } });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
  });

  it('refuses a missing header', async () => {
    expectUnauthorized(await whoami(), 'missing_api_key');
  });

  it.each([
    ['Basic x', 'Basic dXNlcjpwYXNz'],
    ['a bare scheme', 'Bearer'],
    ['a scheme and a blank', 'Bearer '],
    ['two tokens', 'Bearer a b'],
    ['an empty header', ''],
  ])('refuses a malformed header: %s', async (_label, header) => {
    expectUnauthorized(await whoami(header), 'invalid_authorization_header');
  });

  it.each([
    ['a key-shaped unknown key', `gh_${'A'.repeat(43)}`],
    ['a token of the wrong shape', 'sk-not-a-gatehouse-key'],
    ['a truncated real-looking key', 'gh_abc'],
  ])('refuses %s', async (_label, token) => {
    expectUnauthorized(await whoami(`Bearer ${token}`), 'invalid_api_key');
  });

  it('refuses a revoked key', async () => {
    const identity = await gw.createIdentity();
    await gw.gateway.identity.revokeKey(identity.record.id);
    await gw.gateway.snapshot.refresh();
    expectUnauthorized(await whoami(identity.headers.authorization), 'key_revoked');
  });

  it('refuses an expired key', async () => {
    const identity = await gw.createIdentity({ expiresInMs: 3_600_000 });
    expect((await whoami(identity.headers.authorization)).status).toBe(200);
    await expireNow(identity.record.id);
    await gw.gateway.snapshot.refresh();
    expectUnauthorized(await whoami(identity.headers.authorization), 'key_expired');
  });

  it('refuses a key created with a lifetime that has run out', async () => {
    const identity = await gw.createIdentity({ expiresInMs: 1 });
    const reply = await eventually(async () => {
      const attempt = await whoami(identity.headers.authorization);
      return attempt.status === 401 ? attempt : undefined;
    });
    expectUnauthorized(reply, 'key_expired');
  });

  it('revocation through the CLI lands within 1 s, without an explicit refresh', async () => {
    const identity = await gw.createIdentity();
    expect((await whoami(identity.headers.authorization)).status).toBe(200);
    const cli = await runCliWithEnv(gw.environment.env, ['key', 'revoke', identity.record.prefix]);
    expect(cli.code).toBe(0);
    const reply = await eventually(
      async () => {
        const attempt = await whoami(identity.headers.authorization);
        return attempt.status === 401 ? attempt : undefined;
      },
      { timeoutMs: 1000, intervalMs: 25 },
    );
    expectUnauthorized(reply, 'key_revoked');
  });

  it('keeps a rotated key working during its grace period and refuses it after', async () => {
    const identity = await gw.createIdentity();
    const cli = await runCliWithEnv(gw.environment.env, [
      'key',
      'rotate',
      identity.record.id,
      '--grace',
      '1h',
      '--json',
    ]);
    expect(cli.code).toBe(0);
    const rotated = JSON.parse(cli.stdout) as { key: string; previous: { id: string; status: string } };
    expect(rotated.previous).toMatchObject({ id: identity.record.id, status: 'rotating' });
    await gw.gateway.snapshot.refresh();
    expect((await whoami(`Bearer ${rotated.key}`)).status).toBe(200);
    expect((await whoami(identity.headers.authorization)).status).toBe(200);
    await expireNow(identity.record.id);
    await gw.gateway.snapshot.refresh();
    expectUnauthorized(await whoami(identity.headers.authorization), 'key_expired');
    expect((await whoami(`Bearer ${rotated.key}`)).status).toBe(200);
  });

  it('revokes a rotated key at once when no grace is given', async () => {
    const identity = await gw.createIdentity();
    const cli = await runCliWithEnv(gw.environment.env, ['key', 'rotate', identity.record.prefix, '--json']);
    expect(cli.code).toBe(0);
    const rotated = JSON.parse(cli.stdout) as { key: string };
    await gw.gateway.snapshot.refresh();
    expectUnauthorized(await whoami(identity.headers.authorization), 'key_revoked');
    expect((await whoami(`Bearer ${rotated.key}`)).status).toBe(200);
  });
});
