/**
 * Issue 18 "Traces", the calls a request alone does not show, against what a real OTLP/HTTP receiver on loopback
 * got: W3C trace context in an MCP request's `params._meta` (SEP-414 keys), seen by a stdio and an HTTP upstream
 * that echo the `_meta` they received (with tracing off, the client's own context); MCP connects, lists and
 * subscription relays as root spans or children of the request that set them off; a vault OAuth2 token refresh as
 * its own span, its `traceparent` at the token endpoint, linked from a request that waited on it; and neither the
 * client secret nor an access token anywhere in the export.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpAdmin } from '../../../src/mcp/index.ts';
import { eventually, REPO_ROOT, uniqueName } from '../../helpers/gateway.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../../helpers/otlp-receiver.ts';
import { type LlmTestGateway, startLlmGateway } from '../llm/support.ts';
import { type FakeApi, type FakeTokenEndpoint, startFakeApi, startFakeTokenEndpoint } from '../vault/fakes.ts';
import { type MetaEchoHttp, startMetaEchoHttp } from './fixtures/meta-echo-server.ts';

const META_ECHO = join(import.meta.dirname, 'fixtures/meta-echo-server.ts');
const SERVER = 2;
const CLIENT = 3;
const CANARY = `cs-canary-${randomBytes(12).toString('hex')}`;

function stdioServer(id: string) {
  return { id, transport: 'stdio', command: process.execPath, args: ['--import', 'tsx', META_ECHO], cwd: REPO_ROOT };
}

function traceparent(): { header: string; traceId: string } {
  const traceId = randomBytes(16).toString('hex');
  return { header: `00-${traceId}-${randomBytes(8).toString('hex')}-01`, traceId };
}

/** The `traceparent` naming a client span: its trace, its own span id, sampled. */
function headerOf(span: ReceivedSpan): string {
  return `00-${span.traceId}-${span.spanId}-01`;
}

async function grantTools(gw: LlmTestGateway, servers: string[], vaultServices: string[] = []): Promise<string> {
  const { identity, mcp, vault, snapshot } = gw.gateway;
  const tenant = await identity.createTenant(uniqueName('tenant'));
  const team = await identity.createTeam(tenant.id, uniqueName('team'));
  const issued = await identity.createKey({ tenant: tenant.id, team: team.id, name: uniqueName('key') });
  const rules = servers.map((server) => ({ server, tools: ['meta', 'seen'], resources: ['meta://*'] }));
  await mcp.policies.put(team.id, { rules }, null);
  if (vaultServices.length > 0) await vault.admin.grant(issued.record.id, vaultServices);
  await snapshot.refresh();
  return issued.key;
}

/** A REST tool call; resolves to the `_meta` the server says it received, and the trace the gateway named. */
async function restMeta(gw: LlmTestGateway, key: string, server: string, headers: Record<string, string> = {}) {
  const response = await request(`${gw.baseUrl}/mcp/v1/servers/${server}/tools/meta:call`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ arguments: {} }),
  });
  const body = (await response.body.json()) as { content: Array<{ text: string }> };
  expect(response.statusCode).toBe(200);
  return {
    meta: JSON.parse(body.content[0]?.text ?? '{}') as Record<string, unknown>,
    traceId: response.headers['x-gatehouse-trace-id'] as string | undefined,
  };
}

/** An MCP SDK client of one server endpoint, sending `headers` on every HTTP request. */
async function mcpClient(gw: LlmTestGateway, key: string, server: string, headers: Record<string, string> = {}) {
  const client = new Client({ name: 'upstream-traces-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${gw.baseUrl}/mcp/servers/${server}`), {
      requestInit: { headers: { authorization: `Bearer ${key}`, ...headers } },
    }),
  );
  return client;
}

function textOf(result: unknown): string {
  return ((result as { content: Array<{ text: string }> }).content[0] as { text: string }).text;
}

describe('MCP _meta trace context and vault refresh spans, with tracing on', () => {
  let receiver: OtlpReceiver;
  let http: MetaEchoHttp;
  let api: FakeApi;
  let tokens: FakeTokenEndpoint;
  let gw: LlmTestGateway;
  let key: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    http = await startMetaEchoHttp();
    api = await startFakeApi();
    tokens = await startFakeTokenEndpoint(api, { id: 'gatehouse-client', secret: CANARY });
    gw = await startLlmGateway({
      env: {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      },
      file: {
        mcp: {
          stdio_allowed_commands: [process.execPath],
          servers: [stdioServer('metastdio'), { id: 'metahttp', transport: 'streamable_http', url: http.url }],
        },
        vault: {
          services: [
            {
              id: 'cc',
              base_url: api.url,
              auth: { type: 'oauth2_client_credentials', token_url: `${tokens.url}/token` },
            },
          ],
        },
      },
    });
    // The client secret is the canary: neither it nor an access token may reach the export.
    await gw.gateway.vault.admin.setCredential(
      'cc',
      {},
      JSON.stringify({ client_id: 'gatehouse-client', client_secret: CANARY }),
    );
    key = await grantTools(gw, ['metastdio', 'metahttp'], ['cc']);
  });
  afterAll(async () => {
    await gw?.dispose();
    await http?.stop();
    await tokens?.close();
    await api?.close();
    await receiver?.close();
  });

  async function vaultCall(headers: Record<string, string>) {
    const response = await request(`${gw.baseUrl}/vault/cc/oauth/me`, {
      headers: { authorization: `Bearer ${key}`, ...headers },
    });
    await response.body.text();
    return response.statusCode;
  }

  /** Drops the held and the stored token, so the next vault call must refresh. */
  async function forgetToken(): Promise<void> {
    gw.gateway.vault.tokens.forget('cc', 'service');
    await gw.gateway.store.write
      .deleteFrom('secrets')
      .where('owner', '=', 'vault:cc')
      .where('name', '=', 'service#token')
      .execute();
  }

  function spanIn(traceId: string, name: string): Promise<ReceivedSpan> {
    return eventually(() => receiver.spans.find((span) => span.traceId === traceId && span.name === name), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
  }

  it('gives a stdio upstream the tool span as traceparent in _meta, with the caller tracestate', async () => {
    const parent = traceparent();
    const { meta } = await restMeta(gw, key, 'metastdio', { traceparent: parent.header, tracestate: 'vendor=abc' });
    const span = await spanIn(parent.traceId, 'execute_tool meta');
    expect(span.kind).toBe(CLIENT);
    expect(span.attributes['gatehouse.mcp.transport']).toBe('stdio');
    expect(meta.traceparent).toBe(headerOf(span));
    expect(meta.tracestate).toBe('vendor=abc');
  });

  it.each([
    ['stdio', 'metastdio'],
    ['HTTP', 'metahttp'],
  ])("replaces the client's _meta trace keys for a %s upstream and keeps its other _meta keys", async (_, server) => {
    const parent = traceparent();
    const client = await mcpClient(gw, key, server, { traceparent: parent.header });
    let meta: Record<string, unknown>;
    try {
      const result = await client.callTool({
        name: 'meta',
        arguments: {},
        _meta: { 'example.com/note': 'kept', traceparent: '00-client-own', tracestate: 'client=own' },
      });
      meta = JSON.parse(textOf(result)) as Record<string, unknown>;
    } finally {
      await client.close();
    }
    const span = await spanIn(parent.traceId, 'execute_tool meta');
    expect(meta['example.com/note']).toBe('kept');
    expect(meta.traceparent).toBe(headerOf(span));
    // The caller sent no tracestate header: the gateway's span has none, and the client's belonged to its own parent.
    expect(meta.tracestate).toBeUndefined();
  });

  it('carries the gateway root trace in _meta when the caller sent no context', async () => {
    const { meta, traceId } = await restMeta(gw, key, 'metastdio');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const span = await spanIn(traceId as string, 'execute_tool meta');
    expect(meta.traceparent).toBe(headerOf(span));
  });

  it('traces the connects and lists at start as root client spans named for the server', async () => {
    const connect = await eventually(
      () => receiver.spans.find((span) => span.name === 'connect metastdio' && span.parentSpanId === null),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(connect.kind).toBe(CLIENT);
    expect(connect.attributes).toMatchObject({
      'gatehouse.mcp.server': 'metastdio',
      'gatehouse.mcp.transport': 'stdio',
      'mcp.protocol.version': expect.any(String),
    });
    const list = await eventually(() =>
      receiver.spans.find((span) => span.name === 'tools/list metahttp' && span.parentSpanId === null),
    );
    expect(list.attributes).toMatchObject({
      'mcp.method.name': 'tools/list',
      'gatehouse.mcp.transport': 'streamable_http',
    });
  });

  it('traces the first connect and lists of a server under the request that needed them', async () => {
    // Registered through the admin API, a server is connected on its first use, not at start.
    const admin = new McpAdmin(gw.gateway.store, gw.gateway.secrets, gw.gateway.mcp.config);
    await admin.registerServer({ id: 'metalate', transport: 'streamable_http', url: http.url });
    await eventually(() => gw.gateway.mcp.registry.server('metalate'));
    const lateKey = await grantTools(gw, ['metalate']);
    const parent = traceparent();
    await restMeta(gw, lateKey, 'metalate', { traceparent: parent.header });
    const tool = await spanIn(parent.traceId, 'execute_tool meta');
    const connect = await spanIn(parent.traceId, 'connect metalate');
    const list = await spanIn(parent.traceId, 'tools/list metalate');
    for (const span of [connect, list]) {
      expect(span.kind).toBe(CLIENT);
      expect(span.parentSpanId).toBe(tool.parentSpanId);
    }
    expect(receiver.spans.find((span) => span.spanId === tool.parentSpanId)?.kind).toBe(SERVER);
  });

  it('traces the subscribe and unsubscribe relays under the requests that caused them, context in _meta', async () => {
    const parent = traceparent();
    const client = await mcpClient(gw, key, 'metastdio', { traceparent: parent.header });
    let seen: Array<{ method: string; meta: Record<string, unknown> }>;
    try {
      await client.subscribeResource({ uri: 'meta://watched' });
      await client.unsubscribeResource({ uri: 'meta://watched' });
      seen = JSON.parse(textOf(await client.callTool({ name: 'seen', arguments: {} })));
    } finally {
      await client.close();
    }
    for (const method of ['resources/subscribe', 'resources/unsubscribe']) {
      const span = await spanIn(parent.traceId, `${method} metastdio`);
      expect(span.kind).toBe(CLIENT);
      expect(span.attributes).toMatchObject({ 'mcp.method.name': method, 'gatehouse.mcp.server': 'metastdio' });
      expect(receiver.spans.find((other) => other.spanId === span.parentSpanId)?.kind).toBe(SERVER);
      expect(seen.find((entry) => entry.method === method)?.meta.traceparent).toBe(headerOf(span));
    }
  });

  it('makes a token refresh its own client span under the request that started it, traceparent at the endpoint', async () => {
    await forgetToken();
    const parent = traceparent();
    const before = tokens.requests.length;
    expect(await vaultCall({ traceparent: parent.header })).toBe(200);
    expect(tokens.requests.length).toBe(before + 1);
    const refresh = await spanIn(parent.traceId, 'vault token refresh cc');
    const call = await spanIn(parent.traceId, 'GET vault cc');
    const server = receiver.spans.find((span) => span.spanId === call.parentSpanId);
    expect(server?.kind).toBe(SERVER);
    expect(refresh.kind).toBe(CLIENT);
    expect(refresh.parentSpanId).toBe(server?.spanId);
    expect(refresh.attributes).toMatchObject({
      'gatehouse.vault.service': 'cc',
      'gatehouse.vault.grant_type': 'client_credentials',
      'gatehouse.vault.refresh.outcome': 'refreshed',
      'http.response.status_code': 200,
    });
    expect(tokens.requests.at(-1)?.headers.traceparent).toBe(headerOf(refresh));
  });

  it('links the vault span of a request that waited on another request refresh to that refresh span', async () => {
    await forgetToken();
    const before = tokens.requests.length;
    let release = () => {};
    tokens.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = traceparent();
    const second = traceparent();
    const starting = vaultCall({ traceparent: first.header });
    await eventually(() => tokens.requests.length > before);
    const waiting = vaultCall({ traceparent: second.header });
    await eventually(() => gw.gateway.vault.tokens.waiters('cc', 'service') === 1);
    release();
    tokens.gate = null;
    expect(await Promise.all([starting, waiting])).toEqual([200, 200]);
    expect(tokens.requests.length).toBe(before + 1);
    const refresh = await spanIn(first.traceId, 'vault token refresh cc');
    const waited = await spanIn(second.traceId, 'GET vault cc');
    expect(waited.links).toContainEqual({ traceId: first.traceId, spanId: refresh.spanId });
    expect(receiver.spans.filter((span) => span.traceId === second.traceId && span.name.includes('refresh'))).toEqual(
      [],
    );
  });

  it('exports neither the client secret nor any access token the vault obtained', async () => {
    await eventually(() => receiver.bodies.length > 0);
    const everything = receiver.bodies.join('\n');
    expect(everything).not.toContain(CANARY);
    const issued = api.seen
      .map((seen) => String(seen.headers.authorization ?? '').replace(/^Bearer /, ''))
      .filter((token) => token.startsWith('access-token-'));
    expect(issued.length).toBeGreaterThan(0);
    for (const token of issued) expect(everything).not.toContain(token);
    expect(everything).not.toContain(key);
  });
});

describe('trace context in MCP _meta, with tracing off', () => {
  let gw: LlmTestGateway;
  let key: string;

  beforeAll(async () => {
    gw = await startLlmGateway({
      file: { mcp: { stdio_allowed_commands: [process.execPath], servers: [stdioServer('metastdio')] } },
    });
    key = await grantTools(gw, ['metastdio']);
  });
  afterAll(async () => {
    await gw?.dispose();
  });

  it("passes the caller's traceparent and tracestate into _meta unchanged", async () => {
    const parent = traceparent();
    const { meta, traceId } = await restMeta(gw, key, 'metastdio', {
      traceparent: parent.header,
      tracestate: 'vendor=abc',
    });
    expect(traceId).toBeUndefined();
    expect(meta).toMatchObject({ traceparent: parent.header, tracestate: 'vendor=abc' });
  });

  it("adds nothing without a caller context, and leaves a client's own _meta trace keys as they are", async () => {
    const { meta } = await restMeta(gw, key, 'metastdio');
    expect(meta.traceparent).toBeUndefined();
    const own = traceparent();
    const client = await mcpClient(gw, key, 'metastdio');
    try {
      const result = await client.callTool({ name: 'meta', arguments: {}, _meta: { traceparent: own.header } });
      expect(JSON.parse(textOf(result))).toMatchObject({ traceparent: own.header });
    } finally {
      await client.close();
    }
  });
  it("relays a completion's client _meta without the gateway's own keys or the client's progress token", async () => {
    const client = await mcpClient(gw, key, 'metastdio');
    try {
      const result = await client.complete({
        ref: { type: 'ref/resource', uri: 'meta://watched' },
        argument: { name: 'x', value: '' },
        _meta: { 'example.com/note': 'kept', 'dev.gatehouse/forged': 'dropped', progressToken: 'client-token' },
      });
      const meta = JSON.parse(result.completion.values[0] ?? '{}') as Record<string, unknown>;
      expect(meta['example.com/note']).toBe('kept');
      expect(meta['dev.gatehouse/forged']).toBeUndefined();
      // The upstream connection may set a progress token of its own; the client's is never passed through.
      expect(meta.progressToken).not.toBe('client-token');
    } finally {
      await client.close();
    }
  });
});
