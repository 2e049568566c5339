/**
 * Issue 15, resource subscriptions held by the gateway for 2025 sessions, with the real SDK clients of both majors:
 * the upstream subscription is renewed, once per URI, when the upstream restarts (a new process or session knows
 * nothing of the old one's), and a subscription the upstream refuses, or cannot take because it is down, is the
 * client's JSON-RPC error (in the gateway's style, without the upstream's message or address), counted as no
 * subscription, audited once. The upstream is an SDK 1.x server on a fixed loopback port, stopped and started again.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  McpError,
  ResourceUpdatedNotificationSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureHttp } from './fixture.ts';
import { keyAllowedEverything, startMcpGateway } from './support.ts';

const WATCHED = 'test://watched';
const LATER = 'test://updated-after-restart';
const DROPPED = 'test://unsubscribed-before-restart';
const DOWNTIME = 'test://subscribed-while-down';
const REFUSED = 'test://refused';
const URIS = [WATCHED, LATER, DROPPED, DOWNTIME, REFUSED];
/** What the refusing upstream puts in its error message, which must not reach the client. */
const INTERNAL = 'redis at 10.20.30.40:6379';

/** One life of the upstream: what it was asked, and the server to send updates from. */
interface UpstreamLife {
  mcp: McpServer;
  subscribed: string[];
  unsubscribed: string[];
}

/** Whether the upstream refuses `REFUSED` (a JSON-RPC error naming its internals). */
let refusing = true;

function upstreamLife(): UpstreamLife {
  const mcp = new McpServer(
    { name: 'watch', version: '1.0.0' },
    { capabilities: { resources: { subscribe: true, listChanged: true } } },
  );
  const life: UpstreamLife = { mcp, subscribed: [], unsubscribed: [] };
  for (const uri of URIS) {
    mcp.registerResource(uri, uri, { mimeType: 'text/plain' }, async (href) => ({
      contents: [{ uri: href.href, text: 'watched' }],
    }));
  }
  mcp.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    life.subscribed.push(request.params.uri);
    if (refusing && request.params.uri === REFUSED) throw new McpError(-32603, `subscriptions need ${INTERNAL}`);
    return {};
  });
  mcp.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    life.unsubscribed.push(request.params.uri);
    return {};
  });
  return life;
}

/** An upstream on one loopback port that can be stopped and started again there (a restarted server). */
class RestartableUpstream {
  life: UpstreamLife = upstreamLife();
  private server: HttpServer | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/mcp`;
  }

  async start(): Promise<void> {
    this.life = upstreamLife();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => crypto.randomUUID() });
    await this.life.mcp.connect(transport);
    const server = createServer((req, res) => {
      transport.handleRequest(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    await this.life.mcp.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

interface TestClient {
  updates: string[];
  subscribe(uri: string): Promise<unknown>;
  unsubscribe(uri: string): Promise<unknown>;
  read(uri: string): Promise<unknown>;
  close(): Promise<void>;
}

/** The calls both SDK majors spell alike. */
interface SdkClient {
  subscribeResource(params: { uri: string }): Promise<unknown>;
  unsubscribeResource(params: { uri: string }): Promise<unknown>;
  readResource(params: { uri: string }): Promise<unknown>;
}

function handleFor(client: SdkClient, close: () => Promise<void>): TestClient {
  return {
    updates: [],
    subscribe: (uri) => client.subscribeResource({ uri }),
    unsubscribe: (uri) => client.unsubscribeResource({ uri }),
    read: (uri) => client.readResource({ uri }),
    close,
  };
}

async function clientV1(url: string, key: string): Promise<TestClient> {
  const client = new ClientV1({ name: 'sdk-v1', version: '1.0.0' });
  const transport = new TransportV1(new URL(url), { requestInit: { headers: { authorization: `Bearer ${key}` } } });
  const handle = handleFor(client, async () => {
    await transport.terminateSession();
    await client.close();
  });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (note) => {
    handle.updates.push(note.params.uri);
  });
  await client.connect(transport);
  return handle;
}

async function clientV2(url: string, key: string): Promise<TestClient> {
  const client = new ClientV2({ name: 'sdk-v2', version: '2.0.0' }, { versionNegotiation: { mode: 'legacy' } });
  const transport = new TransportV2(new URL(url), { requestInit: { headers: { authorization: `Bearer ${key}` } } });
  const handle = handleFor(client, async () => {
    await transport.terminateSession();
    await client.close();
  });
  client.setNotificationHandler('notifications/resources/updated', async (note) => {
    handle.updates.push(note.params.uri);
  });
  await client.connect(transport);
  return handle;
}

const CLIENTS = { 'SDK 1.x': clientV1, 'SDK 2.x (2025 session)': clientV2 };

/** The JSON-RPC error a client call was refused with, whichever SDK major threw it. */
async function refusal(promise: Promise<unknown>): Promise<{ code: number; message: string; data?: unknown }> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught as { code: number; message: string; data?: unknown },
  );
  expect(error).not.toBeNull();
  return error as { code: number; message: string; data?: unknown };
}

describe('MCP resource subscriptions through the gateway: renewed after an upstream restart, refusals relayed', () => {
  let ctx: Awaited<ReturnType<typeof startMcpGateway>>;
  const upstream = new RestartableUpstream();
  let key: string;
  let url: string;

  let modern: Awaited<ReturnType<typeof startFixtureHttp>>;

  beforeAll(async () => {
    await upstream.start();
    modern = await startFixtureHttp();
    ctx = await startMcpGateway({
      servers: [
        { id: 'watch', transport: 'streamable_http', url: upstream.url, era: 'legacy', timeout_ms: 5000 },
        { id: 'modern', transport: 'streamable_http', url: modern.url, era: 'modern' },
      ],
    });
    key = await keyAllowedEverything(ctx.gateway);
    url = `${ctx.gateway.baseUrl}/mcp/servers/watch`;
  }, 60_000);
  afterAll(async () => {
    await ctx?.dispose();
    await upstream.stop();
    await modern?.stop();
  });

  it('subscribes a 2025 client to a resource of a 2026-07-28 upstream without asking it (that revision has no resources/subscribe)', async () => {
    const client = await clientV1(`${ctx.gateway.baseUrl}/mcp/servers/modern`, key);
    try {
      expect(await client.subscribe('test://static-text')).toEqual({});
      expect(await client.unsubscribe('test://static-text')).toEqual({});
    } finally {
      await client.close();
    }
  }, 60_000);

  const count = (updates: string[], uri: string) => updates.filter((update) => update === uri).length;
  const mcpEvents = async (since: number) =>
    (await ctx.gateway.auditEvents()).slice(since).filter((event) => event.surface.startsWith('mcp.'));

  it('renews every URI still subscribed, once each, after the upstream restarts; a subscription made while it was down is refused and not renewed', async () => {
    const v1 = await clientV1(url, key);
    const v2 = await clientV2(url, key);
    try {
      for (const client of [v1, v2]) {
        await client.subscribe(WATCHED);
        await client.subscribe(LATER);
        // The session's GET stream opens beside the requests: wait until updates reach it.
        await expect
          .poll(
            () => {
              void upstream.life.mcp.server.sendResourceUpdated({ uri: WATCHED });
              return count(client.updates, WATCHED);
            },
            { timeout: 10_000 },
          )
          .toBeGreaterThan(0);
      }
      await v2.subscribe(DROPPED);
      await v2.unsubscribe(DROPPED);
      expect([...new Set(upstream.life.subscribed)].sort()).toEqual([DROPPED, LATER, WATCHED].sort());

      await upstream.stop();
      const before = (await ctx.gateway.auditEvents()).length;
      const down = await refusal(v1.subscribe(DOWNTIME));
      expect(down.code).toBe(-32012);
      expect(down.message).not.toContain('127.0.0.1');
      expect(down.message).not.toContain(String(new URL(upstream.url).port));
      expect((down.data as { code?: string }).code).toBe('mcp_upstream_unavailable');
      const events = await mcpEvents(before);
      expect(events).toHaveLength(1);
      expect(events[0]?.error_code).toBe('mcp_upstream_unavailable');

      await upstream.start();
      const restarted = upstream.life;
      // The gateway reconnects on the next call (the first may still meet the dead session and fail).
      await expect
        .poll(
          () =>
            v1.read(WATCHED).then(
              () => true,
              () => false,
            ),
          { timeout: 20_000, interval: 250 },
        )
        .toBe(true);
      await expect.poll(() => [...restarted.subscribed].sort(), { timeout: 10_000 }).toEqual([LATER, WATCHED].sort());

      await restarted.mcp.server.sendResourceUpdated({ uri: LATER });
      for (const client of [v1, v2]) await expect.poll(() => count(client.updates, LATER), { timeout: 10_000 }).toBe(1);
      expect(restarted.subscribed.sort()).toEqual([LATER, WATCHED].sort());
    } finally {
      await v1.close();
      await v2.close();
    }
  }, 90_000);

  for (const [flavour, connect] of Object.entries(CLIENTS)) {
    it(`${flavour}: an upstream's refused resources/subscribe is a JSON-RPC error without its message, audited once, no subscription kept`, async () => {
      const client = await connect(url, key);
      try {
        refusing = true;
        const life = upstream.life;
        const asked = life.subscribed.length;
        const dropped = life.unsubscribed.length;
        const before = (await ctx.gateway.auditEvents()).length;
        const refused = await refusal(client.subscribe(REFUSED));
        expect(refused.code).toBe(-32012);
        expect(refused.message).toContain('resources/subscribe');
        expect(refused.message).not.toContain('10.20.30.40');
        expect(refused.message).not.toContain(INTERNAL);
        expect(refused.data).toMatchObject({ code: 'mcp_upstream_error', status: 502 });
        const events = await mcpEvents(before);
        expect(events).toHaveLength(1);
        expect(events[0]?.error_code).toBe('mcp_upstream_error');
        expect(life.subscribed.slice(asked)).toEqual([REFUSED]);

        // Nothing was counted: unsubscribing sends nothing upstream, and the next subscription asks the upstream again.
        await client.unsubscribe(REFUSED);
        expect(life.unsubscribed.slice(dropped)).toEqual([]);
        refusing = false;
        await client.subscribe(REFUSED);
        expect(life.subscribed.slice(asked)).toEqual([REFUSED, REFUSED]);
        await client.unsubscribe(REFUSED);
        expect(life.unsubscribed.slice(dropped)).toEqual([REFUSED]);
      } finally {
        refusing = true;
        await client.close();
      }
    }, 60_000);
  }
});
