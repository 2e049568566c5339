/**
 * Issue 15, virtual servers: `/mcp/virtual/{name}` shows exactly the tools, prompts and resources its definition
 * takes from several upstreams (server-everything over stdio, the conformance fixture over HTTP), team policy still
 * narrows it, and a name outside the set is refused without reaching an upstream. Defined in the config file and
 * through `PUT /admin/v1/mcp/virtual-servers/{name}`. Real MCP SDK 1.x client.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestIdentity } from '../../helpers/gateway.ts';
import { startFixtureHttp } from './fixture.ts';
import { EVERYTHING_ENTRY, mcpRefusal, startMcpGateway } from './support.ts';

async function connect(base: string, path: string, identity: TestIdentity): Promise<Client> {
  const client = new Client({ name: 'virtual-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${base}${path}`), { requestInit: { headers: identity.headers } }),
  );
  return client;
}

describe('virtual MCP servers: a chosen set from several upstreams, under team policy', () => {
  let ctx: Awaited<ReturnType<typeof startMcpGateway>>;
  let fixture: Awaited<ReturnType<typeof startFixtureHttp>>;
  let caller: TestIdentity;
  let admin: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    fixture = await startFixtureHttp();
    ctx = await startMcpGateway({
      stdio_allowed_commands: [process.execPath],
      servers: [
        { id: 'everything', transport: 'stdio', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] },
        { id: 'fixture', transport: 'streamable_http', url: fixture.url },
      ],
      virtual_servers: [
        {
          name: 'triage',
          description: 'What the triage agent needs',
          members: [
            { server: 'everything', tools: ['echo', 'get-sum'] },
            {
              server: 'fixture',
              tools: ['test_simple_text'],
              prompts: ['test_simple_prompt'],
              resources: ['test://static-text', 'test://template/*'],
            },
          ],
        },
      ],
    });
    base = ctx.gateway.baseUrl;
    caller = await ctx.gateway.createIdentity();
    // The team may use every fixture item and everything's echo, but not get-sum: the view offers get-sum,
    // policy takes it away again.
    await ctx.gateway.gateway.mcp.policies.put(
      caller.team.id,
      {
        rules: [
          { server: 'everything', tools: ['echo'] },
          { server: 'fixture', tools: ['*'], prompts: ['*'], resources: ['*'] },
        ],
      },
      null,
    );
    const { token } = await ctx.gateway.gateway.admin.bootstrapPlatformAdmin('admin@example.com');
    admin = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  });
  afterAll(async () => {
    await ctx?.dispose();
    await fixture?.stop();
  });

  it('lists exactly the configured items the policy allows, named as on /mcp, and serves them', async () => {
    const client = await connect(base, '/mcp/virtual/triage', caller);
    try {
      expect(client.getInstructions()).toContain('What the triage agent needs');
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(['everything__echo', 'fixture__test_simple_text']);
      const { prompts } = await client.listPrompts();
      expect(prompts.map((prompt) => prompt.name)).toEqual(['fixture__test_simple_prompt']);
      const { resources } = await client.listResources();
      expect(resources.map((resource) => resource.uri)).toEqual(['gatehouse://fixture/test://static-text']);
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((template) => template.uriTemplate)).toEqual([
        'gatehouse://fixture/test://template/{id}/data',
      ]);

      const echoed = await client.callTool({ name: 'everything__echo', arguments: { message: 'hi' } });
      expect(JSON.stringify(echoed.content)).toContain('hi');
      const text = await client.callTool({ name: 'fixture__test_simple_text', arguments: {} });
      expect(text.content).toEqual([{ type: 'text', text: 'This is a simple text response for testing.' }]);
      const prompt = await client.getPrompt({ name: 'fixture__test_simple_prompt' });
      expect(JSON.stringify(prompt.messages)).toContain('simple prompt for testing');
      const read = await client.readResource({ uri: 'gatehouse://fixture/test://static-text' });
      expect(read.contents[0]).toMatchObject({ text: 'This is the content of the static text resource.' });
      const templated = await client.readResource({ uri: 'gatehouse://fixture/test://template/7/data' });
      expect(JSON.parse(String((templated.contents[0] as { text: string }).text))).toMatchObject({ id: '7' });
    } finally {
      await client.close();
    }
  });

  it('refuses what lies outside the set, or inside it but denied by policy, with one audit event each', async () => {
    const client = await connect(base, '/mcp/virtual/triage', caller);
    const before = (await ctx.gateway.auditEvents()).length;
    const attempts: Array<() => Promise<unknown>> = [
      // Allowed by policy, not in the set.
      () => client.callTool({ name: 'fixture__test_error_handling', arguments: {} }),
      () => client.getPrompt({ name: 'fixture__test_prompt_with_image' }),
      () => client.readResource({ uri: 'gatehouse://fixture/test://static-binary' }),
      // In the set, denied by policy.
      () => client.callTool({ name: 'everything__get-sum', arguments: { a: 1, b: 2 } }),
      // Never in the set, never allowed.
      () => client.callTool({ name: 'everything__get-env', arguments: {} }),
    ];
    try {
      for (const attempt of attempts) {
        const error = await mcpRefusal(attempt());
        expect(error.code).not.toBe(-32603);
        expect(error.message).not.toMatch(/Data for ID|base64|PNG/);
      }
    } finally {
      await client.close();
    }
    const events = (await ctx.gateway.auditEvents()).slice(before);
    // One event per refused request (the SDK's stream GET and DELETE are its own requests, with no error).
    const refused = events.filter((event) => event.surface === 'mcp.virtual.endpoint' && event.error_code !== null);
    expect(refused.map((event) => event.error_code)).toEqual([
      'tool_not_found',
      'prompt_not_found',
      'mcp_resource_not_found',
      'tool_not_found',
      'tool_not_found',
    ]);
  });

  it('PUT /admin/v1/mcp/virtual-servers defines one live; bad bodies and unknown names are refused', async () => {
    const put = await request(`${base}/admin/v1/mcp/virtual-servers/reader`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ members: [{ server: 'fixture', resources: ['test://*'] }] }),
    });
    expect(put.statusCode).toBe(200);
    expect(await put.body.json()).toMatchObject({ endpoint: '/mcp/virtual/reader', source: 'admin' });

    const client = await connect(base, '/mcp/virtual/reader', caller);
    try {
      expect((await client.listTools()).tools).toEqual([]);
      expect((await client.listPrompts()).prompts).toEqual([]);
      const uris = (await client.listResources()).resources.map((resource) => resource.uri).sort();
      expect(uris).toEqual([
        'gatehouse://fixture/test://static-binary',
        'gatehouse://fixture/test://static-text',
        'gatehouse://fixture/test://watched-resource',
      ]);
      await mcpRefusal(client.callTool({ name: 'fixture__test_simple_text', arguments: {} }));
    } finally {
      await client.close();
    }

    const bad: Array<[string, string, unknown, number]> = [
      ['PUT', 'reader', { members: [] }, 400],
      ['PUT', 'reader', { members: [{ server: 'fixture', tools: 'x' }] }, 400],
      ['PUT', 'Bad_Name', { members: [{ server: 'fixture', tools: ['x'] }] }, 400],
      ['PUT', 'triage', { members: [{ server: 'fixture', tools: ['x'] }] }, 409],
      ['DELETE', 'triage', undefined, 409],
      ['DELETE', 'nosuch', undefined, 404],
    ];
    const adminEvents = async () =>
      (await ctx.gateway.auditEvents()).filter((event) => event.surface.startsWith('admin.mcp.virtual')).length;
    for (const [method, name, body, status] of bad) {
      const before = await adminEvents();
      const response = await request(`${base}/admin/v1/mcp/virtual-servers/${name}`, {
        method: method as 'PUT' | 'DELETE',
        headers: body === undefined ? { authorization: admin.authorization as string } : admin,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect({ method, name, status: response.statusCode }).toEqual({ method, name, status });
      expect(((await response.body.json()) as { error: { code: string } }).error.code).toEqual(expect.any(String));
      expect((await adminEvents()) - before).toBe(1);
    }
    // The refusals changed nothing: reader is as it was, triage still comes from the config file.
    const listed = await request(`${base}/admin/v1/mcp/virtual-servers`, { headers: admin });
    const names = ((await listed.body.json()) as { data: Array<{ name: string; source: string }> }).data;
    expect(names.map((entry) => [entry.name, entry.source])).toEqual([
      ['triage', 'config'],
      ['reader', 'admin'],
    ]);

    const unknown = await request(`${base}/mcp/virtual/nosuch`, {
      method: 'POST',
      headers: { ...caller.headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(unknown.statusCode).toBe(404);
    await unknown.body.dump();

    const removed = await request(`${base}/admin/v1/mcp/virtual-servers/reader`, {
      method: 'DELETE',
      headers: { authorization: admin.authorization as string },
    });
    expect(removed.statusCode).toBe(204);
    await removed.body.dump();
    const gone = await request(`${base}/mcp/virtual/reader`, {
      method: 'POST',
      headers: { ...caller.headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(gone.statusCode).toBe(404);
    await gone.body.dump();
  });
});
