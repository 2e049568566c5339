import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeAuthorizationServer,
  startAudienceCheckingUpstream,
  startFakeAuthorizationServer,
} from '../../helpers/fake-authorization-server.ts';
import { runCliWithEnv, type TestIdentity } from '../../helpers/gateway.ts';
import { connectClient, mcpRefusal, type startMcpGateway, startUserOAuthGateway } from './support.ts';

const CLIENT = { id: 'gatehouse', secret: `canary-secret-${randomBytes(8).toString('hex')}` };

describe('per-user OAuth through the gateway: real SDK client, loopback authorization server, audience-checking upstream', () => {
  let ctx: Awaited<ReturnType<typeof startMcpGateway>>;
  let as: FakeAuthorizationServer;
  let upstream: Awaited<ReturnType<typeof startAudienceCheckingUpstream>>;
  let alice: TestIdentity;
  let bob: TestIdentity;
  let admin: Record<string, string>;
  let base: string;

  const call = async (identity: TestIdentity) => {
    const client = await connectClient(base, identity.key);
    try {
      return await client.callTool({ name: 'tickets__whoami', arguments: {} });
    } finally {
      await client.close();
    }
  };
  const authorizeLink = async (identity: TestIdentity) => {
    const error = await mcpRefusal(call(identity));
    expect(error.code).toBe(-32015);
    const data = error.data as { code: string; url: string };
    expect(data.code).toBe('mcp_authorization_required');
    expect(error.message).toContain(data.url);
    return data.url;
  };

  beforeAll(async () => {
    as = await startFakeAuthorizationServer(CLIENT);
    upstream = await startAudienceCheckingUpstream(as);
    ctx = await startUserOAuthGateway({
      upstreamUrl: upstream.url,
      issuer: as.issuer,
      client: CLIENT,
      userOAuth: { scopes: ['tickets:read'] },
    });
    base = ctx.gateway.baseUrl;
    alice = await ctx.gateway.createIdentity();
    bob = await ctx.gateway.createIdentity();
    for (const identity of [alice, bob]) {
      await ctx.gateway.gateway.mcp.policies.put(
        identity.team.id,
        { rules: [{ server: 'tickets', tools: ['*'] }] },
        null,
      );
    }
    const { token } = await ctx.gateway.gateway.admin.bootstrapPlatformAdmin('admin@example.com');
    admin = { authorization: `Bearer ${token}` };
  });
  afterAll(async () => {
    await ctx?.dispose();
    await upstream?.close();
    await as?.close();
  });

  it('asks for authorization, stores the grant at the callback, calls with the user token, refreshes once, revokes', async () => {
    const link = await authorizeLink(alice);
    expect(new URL(link).searchParams.get('resource')).toBe(upstream.url);

    // The browser follows the link: the authorization server approves and redirects to the gateway's callback.
    as.expiresIn = 20; // inside the refresh skew: the stored token is due for refresh at once
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Authorized');
    const callbackUrl = page.url;
    as.expiresIn = 3600;

    // Concurrent calls share one refresh; the upstream sees only alice's own token, issued for it.
    const results = await Promise.all([call(alice), call(alice), call(alice)]);
    for (const result of results) expect(result.content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(as.counts.refresh_token).toBe(1);
    expect(new Set(upstream.seen)).toEqual(new Set(['alice']));

    // Bob has no grant and never gets alice's.
    await authorizeLink(bob);
    expect(new Set(upstream.seen)).toEqual(new Set(['alice']));

    // The callback replayed is refused.
    const replay = await request(callbackUrl);
    expect(replay.statusCode).toBe(400);
    expect(await replay.body.json()).toMatchObject({
      error: { code: 'mcp_authorization_failed', message: expect.stringContaining('state_invalid') },
    });

    // One admin call revokes; the authorization server's revocation endpoint is told; the next call asks again.
    const holders = await request(`${base}/admin/v1/mcp/servers/tickets/grants`, { headers: admin });
    const listed = (await holders.body.json()) as { data: Array<{ principal: string }> };
    expect(listed.data).toHaveLength(1);
    const principal = listed.data[0]?.principal as string;
    const revoked = await request(`${base}/admin/v1/mcp/servers/tickets/grants/${encodeURIComponent(principal)}`, {
      method: 'DELETE',
      headers: admin,
    });
    expect(revoked.statusCode).toBe(200);
    expect(await revoked.body.json()).toMatchObject({ revoked: true, remote: true });
    expect(as.counts.revoke).toBe(1);
    await authorizeLink(alice);

    // Revoked at the authorization server instead: the due refresh is refused and the user is asked again.
    as.expiresIn = 20;
    expect((await fetch(await authorizeLink(alice))).status).toBe(200);
    as.revokeAll();
    as.expiresIn = 3600;
    const before = upstream.seen.length;
    await authorizeLink(alice);
    expect(upstream.seen.length).toBe(before);

    // One CLI call revokes too (straight in the store; the gateway reads the grant on each use).
    expect((await fetch(await authorizeLink(alice))).status).toBe(200);
    expect((await call(alice)).content).toEqual([{ type: 'text', text: 'ok' }]);
    const env = {
      ...ctx.gateway.environment.env,
      GATEHOUSE_CONFIG: ctx.configPath,
      TICKETS_CLIENT_SECRET: CLIENT.secret,
    };
    expect((await runCliWithEnv(env, ['mcp', 'grants', 'list', 'tickets'])).out).toEqual([principal]);
    const cli = await runCliWithEnv(env, ['mcp', 'grants', 'revoke', 'tickets', principal]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('revoked (and at the authorization server)');
    await authorizeLink(alice);
    expect((await runCliWithEnv(env, ['mcp', 'grants', 'revoke', 'nope', principal])).code).not.toBe(0);
  });

  it('refuses bad callbacks with a clear error and one audit event each, and never records a token or secret', async () => {
    const cases: Array<[string, string]> = [
      ['', 'state_missing'],
      ['?state=forged&code=abc', 'state_invalid'],
    ];
    as.deny = true;
    const denied = await fetch(await authorizeLink(bob));
    as.deny = false;
    expect(denied.status).toBe(400);
    expect(await denied.json()).toMatchObject({
      error: { code: 'mcp_authorization_failed', message: expect.stringContaining('access_denied') },
    });
    for (const [query, reason] of cases) {
      const response = await request(`${base}/mcp/oauth/callback${query}`);
      expect(response.statusCode).toBe(400);
      const body = (await response.body.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('mcp_authorization_failed');
      expect(body.error.message).toContain(reason);
    }
    const events = (await ctx.gateway.auditEvents()).filter((event) => event.surface === 'mcp.oauth.callback');
    const reasons = events.map((event) => event.meta.reason).filter(Boolean);
    for (const reason of ['state_missing', 'state_invalid', 'access_denied']) {
      expect(reasons.filter((found) => found === reason).length).toBeGreaterThanOrEqual(1);
    }
    expect(reasons.filter((found) => found === 'state_missing')).toHaveLength(1);
    expect(reasons.filter((found) => found === 'access_denied')).toHaveLength(1);
    const all = JSON.stringify(await ctx.gateway.auditEvents());
    expect(as.issued.length).toBeGreaterThan(0);
    for (const secret of [...as.issued, CLIENT.secret]) expect(all).not.toContain(secret);
  });
});
