import { randomUUID } from 'node:crypto';
import { type CallToolResult, McpError } from '@modelcontextprotocol/sdk/types.js';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCapability } from '../../../src/domain/capabilities/index.ts';
import { canonicalSha256 } from '../../../src/domain/mcp/index.ts';
import { McpView } from '../../../src/mcp/index.ts';
import { startGateway, type TestIdentity } from '../../helpers/gateway.ts';
import {
  connectClient,
  createSupervisor,
  EVERYTHING_ENTRY,
  type Supervisor,
  startEverythingHttp,
  startMcpGateway,
} from './support.ts';

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const ACCEPT = 'application/json, text/event-stream';

describe('aggregated /mcp endpoint: real SDK client, stdio and streamable HTTP upstreams', () => {
  let ctx: Awaited<ReturnType<typeof startMcpGateway>>;
  let remote: Awaited<ReturnType<typeof startEverythingHttp>>;
  let supervisor: Supervisor;
  let caller: TestIdentity;
  let other: TestIdentity;

  const rpc = (body: unknown, headers: Record<string, string> = {}, identity: TestIdentity = caller) =>
    request(`${ctx.gateway.baseUrl}/mcp`, {
      method: 'POST',
      headers: { ...identity.headers, 'content-type': 'application/json', accept: ACCEPT, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    supervisor = createSupervisor();
    remote = await startEverythingHttp();
    ctx = await startMcpGateway(
      {
        stdio_allowed_commands: [process.execPath],
        servers: [
          { id: 'everything', transport: 'stdio', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] },
          { id: 'remote', transport: 'streamable_http', url: remote.url },
        ],
      },
      { GATEHOUSE_CAPABILITY_ISSUER_KEYS: supervisor.publicPem },
    );
    caller = await ctx.gateway.createIdentity();
    other = await ctx.gateway.createIdentity();
    await ctx.gateway.gateway.mcp.policies.put(
      caller.team.id,
      {
        rules: [
          { server: '*', tools: ['echo'] },
          { server: 'remote', tools: ['get-sum'], require_capability: true },
        ],
      },
      null,
    );
  });
  afterAll(async () => {
    await ctx?.dispose();
    await remote?.stop();
  });

  it('lists namespaced tools of both servers (same tool name on two servers does not collide) and calls them', async () => {
    const client = await connectClient(ctx.gateway.baseUrl, caller.key);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(['everything__echo', 'remote__echo', 'remote__get-sum']);
      for (const tool of tools) expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      for (const name of ['everything__echo', 'remote__echo']) {
        const result = (await client.callTool({ name, arguments: { message: `via ${name}` } })) as CallToolResult;
        expect(result.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining(`via ${name}`) });
      }
      const invalid = (await client.callTool({
        name: 'everything__echo',
        arguments: { message: 7 },
      })) as CallToolResult;
      expect(invalid.isError).toBe(true);
      await expect(client.callTool({ name: 'everything__get-env', arguments: {} })).rejects.toThrow(McpError);
    } finally {
      await client.close();
    }
  });

  it('a capability in _meta works once; the replay is refused with the catalog code in error data', async () => {
    const { items } = await ctx.gateway.gateway.mcp.list(principalOf(caller), McpView.aggregate(), 'tools/list');
    const listed = items.find((tool) => tool.name === 'remote__get-sum');
    const pin = (listed?._meta as Record<string, unknown> | undefined)?.['dev.gatehouse/tool_sha256'] as string;
    const now = Math.floor(Date.now() / 1000);
    const token = await signCapability(
      {
        iss: 'supervisor',
        sub: caller.record.id,
        aud: 'gatehouse',
        server: 'remote',
        tool: 'get-sum',
        tool_sha256: pin,
        args: { sha256: canonicalSha256({ a: 20, b: 22 }) },
        nbf: now,
        exp: now + 60,
        jti: randomUUID(),
      },
      supervisor.privateKey,
      supervisor.kid,
    );
    const client = await connectClient(ctx.gateway.baseUrl, caller.key);
    try {
      const call = () =>
        client.callTool({
          name: 'remote__get-sum',
          arguments: { a: 20, b: 22 },
          _meta: { 'dev.gatehouse/capability': token },
        });
      const first = (await call()) as CallToolResult;
      expect(first.content[0]).toMatchObject({ text: expect.stringContaining('42') });
      const replay = await call().catch((error: unknown) => error);
      expect(replay).toBeInstanceOf(McpError);
      expect((replay as McpError).data).toMatchObject({ code: 'capability_replayed', status: 403 });
      await expect(client.callTool({ name: 'remote__get-sum', arguments: { a: 1, b: 1 } })).rejects.toMatchObject({
        data: { code: 'capability_required' },
      });
    } finally {
      await client.close();
    }
    const events = await ctx.gateway.auditEvents();
    const denied = events.filter((e) => e.surface === 'mcp.endpoint' && e.meta.capability_reason === 'replayed');
    expect(denied).toHaveLength(1);
    expect(denied[0]?.outcome).toBe('denied');
  });

  it('mints a sealed session on initialize, bound to the principal, valid on another gateway instance', async () => {
    const init = await rpc(INIT);
    expect(init.statusCode).toBe(200);
    const session = init.headers['mcp-session-id'] as string;
    expect(session).toMatch(/^ghs1\./);
    await init.body.dump();
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
    const headers = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
    const ok = await rpc(list, headers);
    expect(ok.statusCode).toBe(200);
    expect(((await ok.body.json()) as { result: { tools: unknown[] } }).result.tools.length).toBe(3);

    const stolen = await rpc(list, headers, other);
    expect(stolen.statusCode).toBe(404);
    expect(await stolen.body.json()).toMatchObject({ error: { code: -32001 } });
    const forged = await rpc(list, { ...headers, 'mcp-session-id': `${session.slice(0, -4)}AAAA` });
    expect(forged.statusCode).toBe(404);
    await forged.body.dump();

    // A second instance on the same store: the session id carries its state, so it is served there too.
    const second = await startGateway({ environment: ctx.gateway.environment });
    try {
      const elsewhere = await request(`${second.baseUrl}/mcp`, {
        method: 'POST',
        headers: { ...caller.headers, 'content-type': 'application/json', accept: ACCEPT, ...headers },
        body: JSON.stringify(list),
      });
      expect(elsewhere.statusCode).toBe(200);
      expect(((await elsewhere.body.json()) as { result: { tools: unknown[] } }).result.tools.length).toBe(3);
    } finally {
      await second.close();
    }
  });

  it('refuses tools/call to a key denied mcp.tools.call, even right after the same key was allowed to list', async () => {
    const lister = await ctx.gateway.createIdentity();
    await ctx.gateway.gateway.mcp.policies.put(lister.team.id, { rules: [{ server: '*', tools: ['echo'] }] }, null);
    const { admin, adminSnapshot } = ctx.gateway.gateway;
    await admin.saveRole({ name: 'tool-caller', description: 'calls tools', permissions: ['mcp.tools.call'] }, null);
    await admin.createBinding(
      {
        principal: `key:${lister.record.id}`,
        role: 'tool-caller',
        scope: `org:${lister.tenant.id}/team:${lister.team.id}`,
        effect: 'deny',
      },
      null,
    );
    await adminSnapshot.refresh();
    const init = await rpc(INIT, {}, lister);
    expect(init.statusCode).toBe(200);
    const headers = {
      'mcp-session-id': init.headers['mcp-session-id'] as string,
      'mcp-protocol-version': '2025-06-18',
    };
    await init.body.dump();
    for (let round = 0; round < 2; round++) {
      const list = await rpc({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, headers, lister);
      expect(list.statusCode).toBe(200);
      await list.body.dump();
      const call = await rpc(
        {
          jsonrpc: '2.0',
          id: 3,
          method: 'tools/call',
          params: { name: 'everything__echo', arguments: { message: 'hi' } },
        },
        headers,
        lister,
      );
      expect(call.statusCode).toBe(403);
      expect(await call.body.json()).toMatchObject({ error: { code: 'permission_denied' } });
    }
  });

  it('answers malformed JSON-RPC with JSON-RPC errors and HTTP-level refusals with catalog errors', async () => {
    const parse = await rpc('{"jsonrpc":');
    expect(parse.statusCode).toBe(400);
    expect(await parse.body.json()).toMatchObject({ error: { code: -32700 } });
    const invalid = await rpc({ jsonrpc: '2.0', id: 1, nope: true });
    expect(invalid.statusCode).toBe(400);
    expect(((await invalid.body.json()) as { error: { code: number } }).error.code).toBe(-32600);
    const noSession = await rpc({ jsonrpc: '2.0', id: 3, method: 'resources/list' });
    expect(noSession.statusCode).toBe(400);
    await noSession.body.dump();
    const badVersion = await rpc(
      { jsonrpc: '2.0', id: 4, method: 'tools/list' },
      { 'mcp-protocol-version': '1999-01-01' },
    );
    expect(badVersion.statusCode).toBe(400);
    await badVersion.body.dump();
    const notAccepting = await rpc(INIT, { accept: 'text/html' });
    expect(notAccepting.statusCode).toBe(406);
    await notAccepting.body.dump();

    const origin = await rpc(INIT, { origin: 'https://evil.example' });
    expect(origin.statusCode).toBe(403);
    expect(((await origin.body.json()) as { error: { code: string } }).error.code).toBe('mcp_origin_not_allowed');
    const rebinding = await rpc(INIT, { host: 'attacker.example' });
    expect(rebinding.statusCode).toBe(403);
    await rebinding.body.dump();

    const stream = await request(`${ctx.gateway.baseUrl}/mcp`, {
      headers: { ...caller.headers, accept: 'text/event-stream', 'mcp-protocol-version': '2026-07-28' },
    });
    expect(stream.statusCode).toBe(405);
    await stream.body.dump();
    const sessionless = await request(`${ctx.gateway.baseUrl}/mcp`, {
      headers: { ...caller.headers, accept: 'text/event-stream' },
    });
    expect(sessionless.statusCode).toBe(400);
    await sessionless.body.dump();

    const anonymous = await request(`${ctx.gateway.baseUrl}/mcp`, { method: 'POST', body: JSON.stringify(INIT) });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toContain('resource_metadata="http://127.0.0.1:');
    await anonymous.body.dump();
    const metadata = await request(`${ctx.gateway.baseUrl}/.well-known/oauth-protected-resource/mcp`);
    expect(await metadata.body.json()).toMatchObject({
      resource: expect.stringMatching(/\/mcp$/),
      bearer_methods_supported: ['header'],
    });
  });
});

function principalOf(identity: TestIdentity) {
  return {
    type: 'key' as const,
    id: identity.record.id,
    tenantId: identity.tenant.id,
    teamId: identity.team.id,
    name: identity.record.name,
    settings: {},
    expiresAt: null,
  };
}
