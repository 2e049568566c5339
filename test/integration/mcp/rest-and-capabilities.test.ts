import { createHmac, randomUUID } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CapabilityClaims, signCapability } from '../../../src/domain/capabilities/index.ts';
import { canonicalSha256 } from '../../../src/domain/mcp/index.ts';
import type { TestIdentity } from '../../helpers/gateway.ts';
import { createSupervisor, EVERYTHING_ENTRY, type Supervisor, startMcpGateway } from './support.ts';

const POLICY = {
  rules: [
    { server: 'everything', tools: ['get-env', 'echo'] },
    {
      server: 'everything',
      tools: ['get-sum'],
      args: [{ path: '/a', op: 'lte', value: 1000 }],
      require_capability: true,
    },
  ],
};

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

describe('MCP REST surface with server-everything over stdio', () => {
  let ctx: Awaited<ReturnType<typeof startMcpGateway>>;
  let supervisor: Supervisor;
  let caller: TestIdentity;
  let other: TestIdentity;
  let sumPin: string;

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    request(`${ctx.gateway.baseUrl}${path}`, {
      method: 'POST',
      headers: { ...caller.headers, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const get = (path: string, identity: TestIdentity = caller) =>
    request(`${ctx.gateway.baseUrl}${path}`, { headers: identity.headers });

  function claims(overrides: Partial<CapabilityClaims> = {}): CapabilityClaims {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: 'supervisor',
      sub: caller.record.id,
      aud: 'gatehouse',
      server: 'everything',
      tool: 'get-sum',
      tool_sha256: sumPin,
      args: { sha256: canonicalSha256({ a: 2, b: 3 }) },
      nbf: now - 5,
      exp: now + 60,
      jti: randomUUID(),
      ...overrides,
    };
  }
  const mint = (overrides: Partial<CapabilityClaims> = {}) =>
    signCapability(claims(overrides), supervisor.privateKey, supervisor.kid);
  const callSum = (capability: string | null, args: unknown = { a: 2, b: 3 }) =>
    post(
      '/mcp/v1/servers/everything/tools/get-sum:call',
      { arguments: args },
      capability ? { 'x-gatehouse-capability': capability } : {},
    );

  beforeAll(async () => {
    supervisor = createSupervisor();
    ctx = await startMcpGateway(
      {
        stdio_allowed_commands: [process.execPath],
        max_argument_bytes: 4096,
        servers: [
          { id: 'everything', transport: 'stdio', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] },
        ],
      },
      { GATEHOUSE_CAPABILITY_ISSUER_KEYS: supervisor.publicPem, GATEHOUSE_TEST_CANARY: 'canary-value' },
    );
    caller = await ctx.gateway.createIdentity();
    other = await ctx.gateway.createIdentity();
    await ctx.gateway.gateway.mcp.policies.put(caller.team.id, POLICY, null);
    const tools = (await (await get('/mcp/v1/servers/everything/tools')).body.json()) as {
      data: { name: string; sha256: string }[];
    };
    sumPin = tools.data.find((tool) => tool.name === 'get-sum')?.sha256 as string;
  });
  afterAll(async () => ctx?.dispose());

  it('lists only the servers and tools the team policy allows (deny by default)', async () => {
    const servers = (await (await get('/mcp/v1/servers')).body.json()) as { data: { id: string }[] };
    expect(servers.data.map((server) => server.id)).toEqual(['everything']);
    const tools = (await (await get('/mcp/v1/servers/everything/tools')).body.json()) as {
      data: { name: string; sha256: string }[];
    };
    expect(tools.data.map((tool) => tool.name).sort()).toEqual(['echo', 'get-env', 'get-sum']);
    expect(sumPin).toMatch(/^[0-9a-f]{64}$/);
    const none = (await (await get('/mcp/v1/servers', other)).body.json()) as { data: unknown[] };
    expect(none.data).toEqual([]);
    const hidden = await get('/mcp/v1/servers/everything/tools', other);
    expect(hidden.statusCode).toBe(404);
    expect(((await hidden.body.json()) as { error: { code: string } }).error.code).toBe('mcp_server_not_found');
  });

  it('calls a tool and audits pin and arguments hash, never the arguments', async () => {
    const response = await post('/mcp/v1/servers/everything/tools/echo:call', {
      arguments: { message: 'secret-words' },
    });
    expect(response.statusCode).toBe(200);
    const body = (await response.body.json()) as { content: { text: string }[]; tool_sha256: string };
    expect(body.content[0]?.text).toContain('secret-words');
    const events = await ctx.gateway.auditEvents();
    const event = events.filter((e) => e.surface === 'mcp.tools.call').at(-1);
    expect(event?.meta).toMatchObject({
      server: 'everything',
      tool: 'echo',
      tool_sha256: body.tool_sha256,
      args_sha256: canonicalSha256({ message: 'secret-words' }),
      result: 'ok',
    });
    expect(JSON.stringify(event)).not.toContain('secret-words');
  });

  it('gives the stdio server a minimal environment: no gateway secret reaches it', async () => {
    const response = await post('/mcp/v1/servers/everything/tools/get-env:call', { arguments: {} });
    expect(response.statusCode).toBe(200);
    const text = ((await response.body.json()) as { content: { text: string }[] }).content[0]?.text as string;
    const env = JSON.parse(text) as Record<string, string>;
    expect(Object.keys(env).filter((name) => name.startsWith('GATEHOUSE_'))).toEqual([]);
    expect(text).not.toContain(ctx.gateway.environment.env.GATEHOUSE_MASTER_KEY);
    expect(text).not.toContain('canary-value');
    expect(env.PATH).toBeDefined();
  });

  it('rejects bad input with catalog errors before reaching the upstream', async () => {
    const cases: Array<[() => Promise<Awaited<ReturnType<typeof post>>>, number, string]> = [
      [() => post('/mcp/v1/servers/nope/tools/echo:call', { arguments: {} }), 404, 'mcp_server_not_found'],
      [() => post('/mcp/v1/servers/everything/tools/nope:call', { arguments: {} }), 404, 'tool_not_found'],
      // Hidden by the policy: reported as unknown, as listings never show it.
      [() => post('/mcp/v1/servers/everything/tools/get-tiny-image:call', { arguments: {} }), 404, 'tool_not_found'],
      [
        () => post('/mcp/v1/servers/everything/tools/echo:call', { arguments: { message: 42 } }),
        400,
        'tool_arguments_invalid',
      ],
      [
        () => post('/mcp/v1/servers/everything/tools/echo:call', { arguments: { message: 'x'.repeat(5000) } }),
        413,
        'tool_arguments_too_large',
      ],
      [() => post('/mcp/v1/servers/everything/tools/echo:call', { arguments: {}, extra: 1 }), 400, 'invalid_request'],
      [() => post('/mcp/v1/servers/everything/tools/echo:call', '{"arguments":'), 400, 'invalid_json'],
      [() => post('/mcp/v1/servers/Bad_Id/tools/echo:call', { arguments: {} }), 400, 'invalid_request'],
      [() => callSum(null, { a: 5000, b: 1 }), 403, 'tool_arguments_denied'],
    ];
    for (const [send, status, code] of cases) {
      const response = await send();
      const body = (await response.body.json()) as { error: { code: string } };
      expect([response.statusCode, body.error.code]).toEqual([status, code]);
    }
    const anonymous = await request(`${ctx.gateway.baseUrl}/mcp/v1/servers`);
    expect(anonymous.statusCode).toBe(401);
    await anonymous.body.dump();
  });

  it('a capability-guarded call succeeds once and fails on replay', async () => {
    const required = await callSum(null);
    expect(required.statusCode).toBe(403);
    expect(((await required.body.json()) as { error: { code: string } }).error.code).toBe('capability_required');

    const token = await mint();
    const first = await callSum(token);
    expect(first.statusCode).toBe(200);
    expect(((await first.body.json()) as { content: { text: string }[] }).content[0]?.text).toContain('5');
    const replay = await callSum(token);
    expect(replay.statusCode).toBe(403);
    expect(((await replay.body.json()) as { error: { code: string } }).error.code).toBe('capability_replayed');

    const events = await ctx.gateway.auditEvents();
    const calls = events.filter((e) => e.surface === 'mcp.tools.call' && e.meta.tool === 'get-sum').slice(-2);
    expect(calls.map((e) => [e.status, e.meta.capability_reason ?? null])).toEqual([
      [200, null],
      [403, 'replayed'],
    ]);
  });

  it('refuses wrong arguments, wrong tool, foreign subject, expired, alg none and HS256 key confusion', async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = (alg: string) =>
      b64url(JSON.stringify({ alg, typ: 'gatehouse-capability+jwt', kid: supervisor.kid }));
    const payload = b64url(JSON.stringify(claims()));
    const hs256 = createHmac('sha256', supervisor.publicPem)
      .update(`${header('HS256')}.${payload}`)
      .digest('base64url');
    const cases: Array<[string, string]> = [
      [await mint({ args: { sha256: canonicalSha256({ a: 9, b: 9 }) } }), 'capability_mismatch'],
      [await mint({ tool: 'echo' }), 'capability_mismatch'],
      [await mint({ sub: other.record.id }), 'capability_mismatch'],
      [await mint({ nbf: now - 120, exp: now - 60 }), 'capability_expired'],
      [await mint({ exp: now + 86_400 }), 'capability_expired'],
      [await mint({ aud: 'another-gateway' }), 'capability_invalid'],
      [`${header('none')}.${payload}.`, 'capability_invalid'],
      [`${header('HS256')}.${payload}.${hs256}`, 'capability_invalid'],
      ['not-a-token', 'capability_invalid'],
    ];
    for (const [token, code] of cases) {
      const response = await callSum(token);
      const body = (await response.body.json()) as { error: { code: string } };
      expect([response.statusCode, body.error.code], token.slice(0, 40)).toEqual([403, code]);
    }
    const predicate = await mint({ args: { match: [{ path: '/a', op: 'eq', value: 2 }] }, max_uses: 2 });
    expect((await callSum(predicate)).statusCode).toBe(200);
    expect((await callSum(predicate, { a: 2, b: 40 })).statusCode).toBe(200);
    expect((await callSum(predicate)).statusCode).toBe(403);
  });
});
