/**
 * Issue 15, per-user OAuth with RFC 8693 token exchange: a caller authenticated with an OIDC JWT gets a token for a
 * `token_exchange: true` upstream by exchanging its own JWT at the upstream's authorization server, with no browser
 * flow; the upstream sees only the token issued for it. A virtual key is never presented for exchange, a JWT the
 * authorization server refuses falls back to the browser link, and neither token lands in an audit event. End to end
 * with the real SDK client, the loopback identity provider, the loopback authorization server and an
 * audience-checking upstream.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.ts';
import { resolveMcpConfig } from '../../../src/mcp/index.ts';
import { AUDIENCE, ISSUER, startTestIssuer, type TestIssuer } from '../../e2e/rbac/oidc-support.ts';
import {
  type FakeAuthorizationServer,
  startAudienceCheckingUpstream,
  startFakeAuthorizationServer,
} from '../../helpers/fake-authorization-server.ts';
import type { TestIdentity } from '../../helpers/gateway.ts';
import { connectClient, mcpRefusal, type startMcpGateway, startUserOAuthGateway } from './support.ts';

const CLIENT = { id: 'gatehouse', secret: `canary-secret-${randomBytes(8).toString('hex')}` };
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

describe('per-user OAuth by RFC 8693 token exchange through the gateway', () => {
  let ctx: Awaited<ReturnType<typeof startMcpGateway>>;
  let as: FakeAuthorizationServer;
  let idp: TestIssuer;
  let upstream: Awaited<ReturnType<typeof startAudienceCheckingUpstream>>;
  let team: TestIdentity;

  const jwtFor = (sub: string) =>
    idp.sign({
      sub,
      gatehouse_roles: [`agent@org:${team.tenant.id}/team:${team.team.id}`],
      scope: 'mcp.servers.read mcp.tools.read mcp.tools.call',
    });
  const withClient = async <T>(credential: string, use: (client: Client) => Promise<T>): Promise<T> => {
    const client = await connectClient(ctx.gateway.baseUrl, credential);
    try {
      return await use(client);
    } finally {
      await client.close();
    }
  };

  beforeAll(async () => {
    idp = await startTestIssuer();
    as = await startFakeAuthorizationServer(CLIENT);
    upstream = await startAudienceCheckingUpstream(as);
    ctx = await startUserOAuthGateway({
      upstreamUrl: upstream.url,
      issuer: as.issuer,
      client: CLIENT,
      userOAuth: { token_exchange: true },
      otherSections: {
        oidc: { issuer: ISSUER, audience: AUDIENCE, jwks_uri: idp.jwksUri, roles_claim: 'gatehouse_roles' },
      },
    });
    team = await ctx.gateway.createIdentity();
    await ctx.gateway.gateway.mcp.policies.put(team.team.id, { rules: [{ server: 'tickets', tools: ['*'] }] }, null);
    await ctx.gateway.gateway.adminSnapshot.refresh();
  });
  afterAll(async () => {
    await ctx?.dispose();
    await upstream?.close();
    await as?.close();
    await idp?.close();
  });

  it('exchanges the caller JWT once, lists and calls with the exchanged token, and never stores the JWT', async () => {
    const jwt = await jwtFor('dave');
    as.exchangeable.set(jwt, 'dave');
    await withClient(jwt, async (client) => {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(['tickets__whoami']);
      expect((await client.callTool({ name: 'tickets__whoami', arguments: {} })).content).toEqual([
        { type: 'text', text: 'ok' },
      ]);
    });
    // One exchange: the grant it produced is stored and reused by the call (and refreshed, not re-exchanged).
    expect(as.counts[EXCHANGE]).toBe(1);
    expect(as.counts.authorization_code).toBeUndefined();
    expect(new Set(upstream.seen)).toEqual(new Set(['dave']));
    await withClient(jwt, (client) => client.callTool({ name: 'tickets__whoami', arguments: {} }));
    expect(as.counts[EXCHANGE]).toBe(1);

    const audit = JSON.stringify(await ctx.gateway.auditEvents());
    for (const secret of [jwt, ...as.issued, CLIENT.secret]) expect(audit).not.toContain(secret);
  });

  it('never presents a virtual key for exchange; a JWT the authorization server refuses gets the browser link', async () => {
    const exchangesBefore = as.counts[EXCHANGE] ?? 0;
    const byKey = await withClient(team.key, (client) =>
      mcpRefusal(client.callTool({ name: 'tickets__whoami', arguments: {} })),
    );
    expect(byKey.code).toBe(-32015);
    expect(as.subjectTokens).not.toContain(team.key);
    expect(as.counts[EXCHANGE] ?? 0).toBe(exchangesBefore);

    const stranger = await jwtFor('erin');
    const refused = await withClient(stranger, (client) =>
      mcpRefusal(client.callTool({ name: 'tickets__whoami', arguments: {} })),
    );
    expect(refused.code).toBe(-32015);
    expect((refused.data as { code: string; url: string }).code).toBe('mcp_authorization_required');
    expect(as.subjectTokens).toContain(stranger);
    expect(upstream.seen).not.toContain('erin');
    for (const token of as.subjectTokens) expect(token.startsWith('gh_')).toBe(false);
  });

  it('refuses token_exchange in the config when callers cannot bring an OIDC token', () => {
    const withExchange = (tokenExchange: boolean | undefined) => ({
      oauth_redirect_url: 'https://gatehouse.example/mcp/oauth/callback',
      servers: [
        {
          id: 'tickets',
          transport: 'streamable_http' as const,
          url: 'https://tickets.example/mcp',
          user_oauth: {
            issuer: 'https://auth.example',
            client_id: 'gatehouse',
            ...(tokenExchange === undefined ? {} : { token_exchange: tokenExchange }),
          },
        },
      ],
    });
    expect(() => resolveMcpConfig(withExchange(true), {}, { oidc: false })).toThrow(ConfigError);
    expect(() => resolveMcpConfig(withExchange(true), {}, { oidc: false })).toThrow(
      /token_exchange: needs the oidc section/,
    );
    expect(resolveMcpConfig(withExchange(true), {}, { oidc: true }).servers[0]).toMatchObject({
      userOAuth: { tokenExchange: true },
    });
    for (const value of [undefined, false]) {
      expect(resolveMcpConfig(withExchange(value), {}, { oidc: false }).servers[0]).toMatchObject({
        userOAuth: { tokenExchange: false },
      });
    }
  });
});
