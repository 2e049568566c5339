import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type CallToolResult, McpError } from '@modelcontextprotocol/sdk/types.js';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestIdentity } from '../../helpers/gateway.ts';
import { type FlakyHttpHost, startFlakyHttp } from './fixtures/flaky-server.ts';
import { connectClient, startMcpGateway } from './support.ts';

const POLICY = {
  rules: [
    { server: 'legacy', tools: ['echo'], rate_limit_per_minute: 2 },
    { server: 'legacy', tools: ['whoami', 'crash'] },
  ],
};

interface CallBody {
  content?: { text: string }[];
  error?: { code: string; type: string; param: string | null };
}

describe('per-tool rate limits, over a legacy SSE upstream', () => {
  let ctx: Awaited<ReturnType<typeof startMcpGateway>>;
  let legacy: FlakyHttpHost;
  let caller: TestIdentity;
  let sameTeam: TestIdentity;
  let otherTeam: TestIdentity;

  const call = async (identity: TestIdentity, tool: string, args: unknown = {}) => {
    const response = await request(`${ctx.gateway.baseUrl}/mcp/v1/servers/legacy/tools/${tool}:call`, {
      method: 'POST',
      headers: { ...identity.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ arguments: args }),
    });
    const body = (await response.body.json()) as CallBody;
    return { status: response.statusCode, headers: response.headers, body, text: body.content?.[0]?.text };
  };

  beforeAll(async () => {
    legacy = await startFlakyHttp('sse', 'legacy');
    ctx = await startMcpGateway({ servers: [{ id: 'legacy', transport: 'sse', url: legacy.url }] });
    caller = await ctx.gateway.createIdentity();
    const { tenant, team } = caller;
    const issued = await ctx.gateway.gateway.identity.createKey({
      tenant: tenant.id,
      team: team.id,
      name: 'second-key',
      expiresInMs: null,
    });
    await ctx.gateway.gateway.snapshot.refresh();
    sameTeam = {
      ...caller,
      key: issued.key,
      record: issued.record,
      headers: { authorization: `Bearer ${issued.key}` },
    };
    otherTeam = await ctx.gateway.createIdentity();
    for (const identity of [caller, otherTeam]) {
      await ctx.gateway.gateway.mcp.policies.put(identity.team.id, POLICY, null);
    }
  });
  afterAll(async () => {
    await ctx?.dispose();
    await legacy?.stop();
  });

  it('lists and calls the tools of an SSE upstream, through REST and /mcp', async () => {
    const listing = await request(`${ctx.gateway.baseUrl}/mcp/v1/servers/legacy/tools`, { headers: caller.headers });
    const tools = ((await listing.body.json()) as { data: { name: string }[] }).data.map((tool) => tool.name);
    expect(tools.sort()).toEqual(['crash', 'echo', 'whoami']);
    expect(await call(caller, 'whoami')).toMatchObject({ status: 200, text: `legacy:${process.pid}` });

    const client: Client = await connectClient(ctx.gateway.baseUrl, otherTeam.key);
    try {
      const result = (await client.callTool({ name: 'legacy__whoami', arguments: {} })) as CallToolResult;
      expect((result.content[0] as { text: string }).text).toBe(`legacy:${process.pid}`);
    } finally {
      await client.close();
    }
  });

  it('refuses the call past rate_limit_per_minute with 429 and Retry-After, per team and per tool', async () => {
    // Calls refused before the limit (bad arguments) do not use it up.
    const invalid = await call(caller, 'echo', { message: 42 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error?.code).toBe('tool_arguments_invalid');

    expect(await call(caller, 'echo', { message: 'one' })).toMatchObject({ status: 200, text: 'one' });
    expect(await call(sameTeam, 'echo', { message: 'two' })).toMatchObject({ status: 200, text: 'two' });
    const limited = await call(caller, 'echo', { message: 'three' });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 'tool_rate_limited', type: 'rate_limit_error' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await call(sameTeam, 'echo', { message: 'also three' })).status).toBe(429);

    expect((await call(caller, 'whoami')).status).toBe(200);
    expect(await call(otherTeam, 'echo', { message: 'fresh team' })).toMatchObject({ status: 200 });

    const events = await ctx.gateway.auditEvents();
    const refused = events.filter((event) => event.error_code === 'tool_rate_limited');
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatchObject({ status: 429, meta: { server: 'legacy', tool: 'echo', result: 'refused' } });
  });

  it('refuses over /mcp with JSON-RPC -32011 once the limit is reached', async () => {
    const client = await connectClient(ctx.gateway.baseUrl, otherTeam.key);
    try {
      await client.callTool({ name: 'legacy__echo', arguments: { message: 'second' } });
      const error = await client.callTool({ name: 'legacy__echo', arguments: { message: 'third' } }).then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(-32011);
      expect((error as McpError).data).toMatchObject({ code: 'tool_rate_limited', status: 429 });
    } finally {
      await client.close();
    }
  });

  it('an SSE upstream that drops mid-call gives 502, and calls succeed again once it is back', async () => {
    const cut = await call(caller, 'crash');
    expect(cut.status).toBe(502);
    expect(cut.body.error?.code).toBe('mcp_upstream_unavailable');
    const down = await call(caller, 'whoami');
    expect(down.status).toBe(502);

    legacy = await startFlakyHttp('sse', 'legacy', legacy.port);
    const back = await eventually(
      async () => {
        const result = await call(caller, 'whoami');
        return result.status === 200 ? result : false;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(back.text).toBe(`legacy:${process.pid}`);
  });
});
