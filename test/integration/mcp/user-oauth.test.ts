import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalKekProvider } from '../../../src/domain/secrets/index.ts';
import { McpFailure } from '../../../src/mcp/index.ts';
import { UserOAuth, UserOAuthCallbackError, type UserOAuthSpec } from '../../../src/mcp/user-oauth.ts';
import { createSecretService } from '../../../src/secrets/index.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import {
  startAudienceCheckingUpstream,
  startFakeAuthorizationServer,
} from '../../helpers/fake-authorization-server.ts';
import { createTempDir } from '../../helpers/gateway.ts';
import { createTestDatabase, postgresAvailable } from '../../helpers/services.ts';

const CLIENT = { id: 'gatehouse-client', secret: `client-secret-${randomBytes(8).toString('hex')}` };
const REDIRECT = 'https://gateway.example/mcp/oauth/callback';

/** A browser following the link: the authorization server redirects to the gateway's callback with code and state. */
async function followLink(link: string): Promise<Record<string, string>> {
  const response = await fetch(link, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location') ?? '');
  expect(location.origin + location.pathname).toBe(REDIRECT);
  return Object.fromEntries(location.searchParams);
}

async function linkOf(promise: Promise<unknown>): Promise<string> {
  const failure = await promise.then(
    () => null,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(McpFailure);
  expect((failure as McpFailure).code).toBe('mcp_authorization_required');
  return String((failure as McpFailure).values.url);
}

async function exercise(store: Store) {
  await store.migrate();
  const secrets = createSecretService(store, createLocalKekProvider({ current: { id: 'v1', key: randomBytes(32) } }));
  const as = await startFakeAuthorizationServer(CLIENT);
  const upstream = await startAudienceCheckingUpstream(as);
  try {
    const oauth = new UserOAuth({ store, secrets, redirectUri: REDIRECT, skewMs: 30_000 });
    const spec: UserOAuthSpec = {
      issuer: as.issuer,
      authorizationEndpoint: null,
      tokenEndpoint: null,
      revocationEndpoint: null,
      clientId: CLIENT.id,
      clientSecret: CLIENT.secret,
      scopes: ['tickets:read'],
      resource: upstream.url,
      tokenExchange: false,
    };
    oauth.configure('tickets', spec);
    oauth.configure('other', { ...spec, resource: 'https://other.example/mcp', tokenExchange: true });

    // No grant: the answer names a link, which carries PKCE S256, the resource and a state.
    const link = await linkOf(oauth.accessToken('tickets', 'alice-id'));
    const params = new URL(link).searchParams;
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('resource')).toBe(upstream.url);
    expect(params.get('redirect_uri')).toBe(REDIRECT);

    // The browser follows it; the callback stores the grant for that principal and upstream.
    as.expiresIn = 20; // inside the 30 s skew: the first token is due for refresh at once
    const callback = await followLink(link);
    expect(await oauth.complete(callback)).toEqual({ serverId: 'tickets', principalId: 'alice-id' });
    expect(await oauth.grantHolders('tickets')).toEqual(['alice-id']);

    // Replaying the callback, or forging a state, is refused.
    await expect(oauth.complete(callback)).rejects.toMatchObject({ reason: 'state_invalid' });
    await expect(oauth.complete({ state: 'forged', code: 'x' })).rejects.toMatchObject({ reason: 'state_invalid' });
    await expect(oauth.complete({ code: 'x' })).rejects.toMatchObject({ reason: 'state_missing' });

    // Concurrent calls with a token due for refresh share one refresh.
    as.expiresIn = 3600;
    const tokens = await Promise.all(Array.from({ length: 5 }, () => oauth.accessToken('tickets', 'alice-id')));
    expect(new Set(tokens).size).toBe(1);
    expect(as.counts.refresh_token).toBe(1);

    // A real MCP client reaches the upstream with that token only; the upstream checks its audience.
    const transport = new StreamableHTTPClientTransport(new URL(upstream.url), {
      fetch: async (url, init) => {
        const headers = new Headers(init?.headers);
        headers.set('authorization', `Bearer ${await oauth.accessToken('tickets', 'alice-id')}`);
        return fetch(url, { ...init, headers });
      },
    });
    const client = new Client(
      { name: 'user-oauth-test', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(transport);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'ok' }]);
    await client.close();
    expect(new Set(upstream.seen)).toEqual(new Set(['alice']));

    // Another principal never gets alice's token.
    await linkOf(oauth.accessToken('tickets', 'bob-id'));

    // A token issued for another resource is refused by the upstream.
    as.exchangeable.set('carol-oidc-token', 'carol');
    const foreign = await oauth.accessToken('other', 'carol-id', { subjectToken: 'carol-oidc-token' });
    expect(as.counts['urn:ietf:params:oauth:grant-type:token-exchange']).toBe(1);
    const refused = await fetch(upstream.url, { method: 'POST', headers: { authorization: `Bearer ${foreign}` } });
    expect(refused.status).toBe(401);

    // Revoked at the authorization server: the refresh fails, the grant is dropped, the user is asked again.
    const current = tokens[0] as string;
    as.revokeAll();
    await linkOf(oauth.accessToken('tickets', 'alice-id', { rejected: current }));
    expect(await oauth.grantHolders('tickets')).toEqual([]);

    // Authorize again, then revoke through the gateway: the AS's revocation endpoint is called.
    await oauth.complete(await followLink(await linkOf(oauth.accessToken('tickets', 'alice-id'))));
    expect(await oauth.revoke('tickets', 'alice-id')).toEqual({ revoked: true, remote: true });
    expect(as.counts.revoke).toBe(1);
    await linkOf(oauth.accessToken('tickets', 'alice-id'));
    expect(await oauth.revoke('tickets', 'alice-id')).toEqual({ revoked: false, remote: false });

    // The authorization server refusing: a clear reason, nothing stored.
    as.deny = true;
    const denied = await followLink(await linkOf(oauth.accessToken('tickets', 'dave-id')));
    const error = await oauth.complete(denied).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserOAuthCallbackError);
    expect((error as UserOAuthCallbackError).reason).toBe('access_denied');
    expect(await oauth.grantHolders('tickets')).toEqual([]);

    // An expired state is refused.
    const hasty = new UserOAuth({ store, secrets, redirectUri: REDIRECT, flowTtlMs: -1 });
    hasty.configure('tickets', spec);
    as.deny = false;
    const late = await followLink(await linkOf(hasty.accessToken('tickets', 'erin-id')));
    await expect(hasty.complete(late)).rejects.toMatchObject({ reason: 'state_expired' });

    // Canary: tokens and the client secret never sit in the store in clear.
    const rows = JSON.stringify(await store.write.selectFrom('secrets').selectAll().execute());
    expect(rows).not.toContain(foreign);
    expect(rows).not.toContain(current);
    expect(rows).not.toContain(CLIENT.secret);
  } finally {
    await upstream.close();
    await as.close();
  }
}

const pg = await postgresAvailable();
let dir = '';
beforeAll(() => {
  dir = createTempDir();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('per-user OAuth for MCP upstreams', () => {
  it('runs the flow, refreshes single-flight, revokes, and refuses bad callbacks on SQLite', async () => {
    const store = openStore({ dataDir: dir, writeUrl: null, readUrl: null });
    try {
      await exercise(store);
    } finally {
      await store.close();
    }
  });

  it.skipIf(!pg)('does the same on PostgreSQL', async () => {
    const database = await createTestDatabase();
    const store = openStore({ dataDir: createTempDir(), writeUrl: database.url, readUrl: null });
    try {
      await exercise(store);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
