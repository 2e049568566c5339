/**
 * Issue 15, bad input on the MCP endpoints, raw over HTTP so nothing smooths it over: batch arrays in both eras,
 * 2026-07-28 header/body mismatches, a forged, replayed or redirected `requestState`, an upstream answering garbage
 * mid-request, oversized messages and arguments. Each gets a clear JSON-RPC error, nothing reaches (or comes back
 * from) an upstream that policy or the protocol forbids, and exactly one audit event.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestIdentity } from '../../helpers/gateway.ts';
import { startFixtureHttp } from './fixture.ts';
import { startMcpGateway } from './support.ts';

const MODERN = '2026-07-28';
const ACCEPT = 'application/json, text/event-stream';

interface RpcReply {
  status: number;
  body: { jsonrpc?: string; id?: unknown; result?: Record<string, unknown>; error?: RpcErrorBody };
}
interface RpcErrorBody {
  code: number;
  message: string;
  data?: { code?: string } & Record<string, unknown>;
}

/** A legacy upstream that initialises and lists properly, then answers `tools/call` with bytes that are no JSON. */
async function startGarbageUpstream() {
  let calls = 0;
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as { id?: number; method?: string };
  };
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    void read(req).then((message) => {
      const reply = (result: unknown) =>
        res
          .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'garbage-session' })
          .end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      if (message.id === undefined) return void res.writeHead(202).end();
      if (message.method === 'initialize')
        return reply({
          protocolVersion: '2025-06-18',
          capabilities: { tools: {} },
          serverInfo: { name: 'garbage', version: '1' },
        });
      if (message.method === 'tools/list')
        return reply({
          tools: [
            { name: 'broken', inputSchema: { type: 'object' } },
            { name: 'halfway', inputSchema: { type: 'object' } },
          ],
        });
      const tool = (message as { params?: { name?: string } }).params?.name;
      if (message.method === 'tools/call' && tool === 'halfway') {
        calls += 1;
        // A stream that starts well (a log message) and then turns to garbage, never answering the call.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const log = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'working' } };
        res.write(`event: message\ndata: ${JSON.stringify(log)}\n\n`);
        return void res.end('event: message\ndata: {"jsonrpc":"2.0","id":<html>oops\n\n');
      }
      if (message.method === 'tools/call') {
        calls += 1;
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":<html>oops');
      }
      return reply({});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    calls: () => calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseAnswer(contentType: string, text: string): RpcReply['body'] {
  if (!contentType.includes('text/event-stream')) return text === '' ? {} : JSON.parse(text);
  const data = text
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line.length > 6)
    .map((line) => JSON.parse(line.slice(6)) as RpcReply['body']);
  return data.find((message) => 'result' in message || 'error' in message) ?? {};
}

describe('MCP bad input: clear JSON-RPC errors, nothing forbidden relayed, one audit event each', () => {
  let ctx: Awaited<ReturnType<typeof startMcpGateway>>;
  let fixture: Awaited<ReturnType<typeof startFixtureHttp>>;
  let garbage: Awaited<ReturnType<typeof startGarbageUpstream>>;
  let caller: TestIdentity;
  let other: TestIdentity;

  const post = async (
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
    identity: TestIdentity = caller,
  ): Promise<RpcReply> => {
    const response = await request(`${ctx.gateway.baseUrl}${path}`, {
      method: 'POST',
      headers: { ...identity.headers, 'content-type': 'application/json', accept: ACCEPT, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: parseAnswer(String(response.headers['content-type'] ?? ''), text) };
  };
  /** A 2026-07-28 request: envelope in `_meta`, the standard headers matching the body unless overridden. */
  const modern = (
    method: string,
    params: Record<string, unknown>,
    headers: Record<string, string> = {},
    identity: TestIdentity = caller,
    path = '/mcp/servers/fixture',
  ) => {
    const name: Record<string, string> = typeof params.name === 'string' ? { 'mcp-name': params.name } : {};
    return post(
      path,
      {
        jsonrpc: '2.0',
        id: 7,
        method,
        params: {
          ...params,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': MODERN,
            'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
          },
        },
      },
      { 'mcp-protocol-version': MODERN, 'mcp-method': method, ...name, ...headers },
      identity,
    );
  };
  /** Runs `act` and returns its reply with the audit events it produced on the MCP endpoints. */
  const audited = async (act: () => Promise<RpcReply>) => {
    const before = (await ctx.gateway.auditEvents()).length;
    const reply = await act();
    const events = (await ctx.gateway.auditEvents()).slice(before).filter((event) => event.surface.startsWith('mcp.'));
    return { reply, events };
  };

  beforeAll(async () => {
    fixture = await startFixtureHttp();
    garbage = await startGarbageUpstream();
    ctx = await startMcpGateway(
      {
        max_argument_bytes: 1024,
        servers: [
          { id: 'fixture', transport: 'streamable_http', url: fixture.url, era: 'modern' },
          { id: 'garbage', transport: 'streamable_http', url: garbage.url, era: 'legacy', timeout_ms: 5000 },
        ],
      },
      { GATEHOUSE_BODY_LIMIT: String(64 * 1024) },
    );
    caller = await ctx.gateway.createIdentity();
    other = await ctx.gateway.createIdentity();
    for (const identity of [caller, other]) {
      await ctx.gateway.gateway.mcp.policies.put(
        identity.team.id,
        { rules: [{ server: '*', tools: ['*'], prompts: ['*'], resources: ['*'] }] },
        null,
      );
    }
  });
  afterAll(async () => {
    await ctx?.dispose();
    await fixture?.stop();
    await garbage?.close();
  });

  it('answers an unknown method with -32601 in a 2025 session and in 2026-07-28, on /mcp and /mcp/servers/{id}', async () => {
    const LEGACY = '2025-11-25';
    for (const path of ['/mcp', '/mcp/servers/fixture']) {
      const opened = await request(`${ctx.gateway.baseUrl}${path}`, {
        method: 'POST',
        headers: { ...caller.headers, 'content-type': 'application/json', accept: ACCEPT },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
        }),
      });
      await opened.body.text();
      const session = opened.headers['mcp-session-id'];
      expect(typeof session, path).toBe('string');
      const unknown = { jsonrpc: '2.0', id: 2, method: 'tools/frobnicate', params: {} };
      const legacy = await audited(() =>
        post(path, unknown, { 'mcp-session-id': session as string, 'mcp-protocol-version': LEGACY }),
      );
      expect({ path, code: legacy.reply.body.error?.code, id: legacy.reply.body.id }).toEqual({
        path,
        code: -32601,
        id: 2,
      });
      expect(legacy.reply.body.result).toBeUndefined();
      expect(legacy.events).toHaveLength(1);

      const stateless = await audited(() => modern('tools/frobnicate', {}, {}, caller, path));
      expect({ path, status: stateless.reply.status, code: stateless.reply.body.error?.code }).toEqual({
        path,
        status: 404,
        code: -32601,
      });
      expect(stateless.reply.body.result).toBeUndefined();
      expect(stateless.events).toHaveLength(1);
    }
  });

  it('refuses JSON-RPC batches in both eras with -32600', async () => {
    const legacyBatch = [
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} },
      { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
    ];
    const modernBatch = legacyBatch.map((message) => ({
      ...message,
      params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN } },
    }));
    for (const [body, headers] of [
      [legacyBatch, {}],
      [modernBatch, { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' }],
    ] as const) {
      const { reply, events } = await audited(() => post('/mcp/servers/fixture', body, headers));
      expect(reply.status).toBe(400);
      expect(reply.body.error?.code).toBe(-32600);
      expect(reply.body.result).toBeUndefined();
      expect(events).toHaveLength(1);
    }
  });

  it('answers 2026-07-28 header/body mismatches with 400 -32020, an unsupported version with -32022', async () => {
    const cases: Array<[string, Record<string, unknown>, Record<string, string>, number]> = [
      ['tools/call', { name: 'test_simple_text', arguments: {} }, { 'mcp-method': 'tools/list' }, -32020],
      ['tools/call', { name: 'test_simple_text', arguments: {} }, { 'mcp-name': 'test_error_handling' }, -32020],
      ['prompts/get', { name: 'test_simple_prompt' }, { 'mcp-name': 'test_prompt_with_image' }, -32020],
      ['resources/read', { uri: 'test://static-text' }, { 'mcp-name': 'test://static-binary' }, -32020],
      ['tools/list', {}, { 'mcp-protocol-version': '2099-01-01' }, -32020],
    ];
    for (const [method, params, headers, code] of cases) {
      const { reply, events } = await audited(() => modern(method, params, headers));
      expect({ method, headers, status: reply.status, code: reply.body.error?.code }).toEqual({
        method,
        headers,
        status: 400,
        code,
      });
      expect(reply.body.error?.message).toMatch(/disagree|Unsupported protocol version/);
      expect(reply.body.result).toBeUndefined();
      expect(events).toHaveLength(1);
    }
    // A tools/list claiming `version` in the body, with `headers`.
    const listing = (version: string, headers: Record<string, string>) =>
      audited(() =>
        post(
          '/mcp/servers/fixture',
          {
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/list',
            params: {
              _meta: {
                'io.modelcontextprotocol/protocolVersion': version,
                'io.modelcontextprotocol/clientCapabilities': {},
              },
            },
          },
          headers,
        ),
      );
    // A version both header and body claim, which this gateway does not serve.
    const future = await listing('2099-01-01', { 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/list' });
    expect(future.reply.status).toBe(400);
    expect(future.reply.body.error).toMatchObject({ code: -32022, data: { supported: [MODERN] } });
    expect(future.events).toHaveLength(1);
    // Without the Mcp-Method header at all.
    const missing = await listing(MODERN, { 'mcp-protocol-version': MODERN });
    expect(missing.reply.status).toBe(400);
    expect(missing.reply.body.error?.code).toBe(-32020);
    expect(missing.events).toHaveLength(1);
  });

  it('refuses a forged, replayed, redirected or foreign requestState with -32602 mcp_request_state_invalid', async () => {
    const tool = 'test_input_required_result_request_state';
    const first = await modern('tools/call', { name: tool, arguments: {} });
    expect(first.body.result).toMatchObject({ resultType: 'input_required' });
    const state = first.body.result?.requestState as string;
    const inputRequests = first.body.result?.inputRequests as Record<string, unknown>;
    expect(typeof state).toBe('string');
    const answers = Object.fromEntries(
      Object.keys(inputRequests).map((key) => [key, { action: 'accept', content: { confirmed: true, name: 'x' } }]),
    );
    const retry = (requestState: string, name = tool, identity: TestIdentity = caller) =>
      audited(() => modern('tools/call', { name, arguments: {}, requestState, inputResponses: answers }, {}, identity));
    const flipped = `${state.slice(0, -4)}${state.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const refusals: Array<[string, () => ReturnType<typeof retry>]> = [
      ['forged', () => retry(flipped)],
      ['made up', () => retry('ghr1.not-a-sealed-state')],
      ['redirected to another tool', () => retry(state, 'test_simple_text')],
      ['brought back by another caller', () => retry(state, tool, other)],
    ];
    for (const [label, attempt] of refusals) {
      const { reply, events } = await attempt();
      expect({ label, code: reply.body.error?.code, data: reply.body.error?.data?.code }).toEqual({
        label,
        code: -32602,
        data: 'mcp_request_state_invalid',
      });
      expect(events).toHaveLength(1);
      expect(events[0]?.error_code).toBe('mcp_request_state_invalid');
    }
    const good = await retry(state);
    expect(good.reply.body.error).toBeUndefined();
    expect(JSON.stringify(good.reply.body.result)).toContain('state-ok');
    const replayed = await retry(state);
    expect(replayed.reply.body.error).toMatchObject({ code: -32602, data: { code: 'mcp_request_state_invalid' } });
    expect(replayed.events).toHaveLength(1);
  });

  it('an upstream answering garbage mid-request gets the caller a JSON-RPC error, not the garbage', async () => {
    const { reply, events } = await audited(() =>
      modern('tools/call', { name: 'garbage__broken', arguments: {} }, {}, caller, '/mcp'),
    );
    expect(garbage.calls()).toBe(1);
    expect(reply.body.error).toMatchObject({ code: -32012, data: { code: 'mcp_upstream_unavailable' } });
    expect(JSON.stringify(reply.body)).not.toContain('oops');
    expect(events).toHaveLength(1);
    expect(events[0]?.error_code).toEqual(reply.body.error?.data?.code);

    const midStream = await audited(() =>
      modern('tools/call', { name: 'garbage__halfway', arguments: {} }, {}, caller, '/mcp'),
    );
    expect(garbage.calls()).toBe(2);
    // At once, not at the call timeout: the connection is dropped and the next call reconnects.
    expect(midStream.reply.body.error).toMatchObject({ code: -32012, data: { code: 'mcp_upstream_unavailable' } });
    expect(JSON.stringify(midStream.reply.body)).not.toContain('oops');
    expect(midStream.events).toHaveLength(1);
  });

  it('refuses an oversized message, and oversized arguments before they reach the upstream', async () => {
    const huge = await audited(() =>
      post('/mcp/servers/fixture', {
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/call',
        params: { name: 'test_simple_text', arguments: { pad: 'x'.repeat(70 * 1024) } },
      }),
    );
    expect(huge.reply.status).toBe(413);
    expect(JSON.stringify(huge.reply.body)).toContain('body_too_large');
    expect(huge.events).toHaveLength(1);

    const big = await audited(() =>
      modern('tools/call', { name: 'test_simple_text', arguments: { pad: 'x'.repeat(2048) } }),
    );
    expect(big.reply.body.error).toMatchObject({ data: { code: 'tool_arguments_too_large' } });
    expect(big.events).toHaveLength(1);
    expect(big.events[0]?.error_code).toBe('tool_arguments_too_large');
  });
});
