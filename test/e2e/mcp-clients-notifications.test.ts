/**
 * Real MCP SDK clients of both majors through the gateway's per-server endpoint for what flows outside a plain
 * request/response: cancellation of an in-flight call, resource subscriptions and list-changed notifications on
 * the 2025 session stream, and the log level a client asks for. The upstream is an in-process SDK 1.x server, so the test sees what
 * the upstream itself received (its own request ids, its subscriptions).
 */
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CancelledNotificationSchema,
  type LoggingLevel,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  ToolListChangedNotificationSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyAllowedEverything, serveMcpOverHttp, startMcpGateway } from '../integration/mcp/support.ts';

const WATCHED = 'test://watched';

/** What the upstream received, reset before each test. */
const seen = {
  started: [] as Array<string | number>,
  cancelled: [] as Array<string | number>,
  subscribed: [] as string[],
  unsubscribed: [] as string[],
  levels: [] as string[],
};
const waiting = new Map<string | number, () => void>();

function upstreamServer(): McpServer {
  const mcp = new McpServer(
    { name: 'watch', version: '1.0.0' },
    { capabilities: { tools: { listChanged: true }, resources: { subscribe: true, listChanged: true }, logging: {} } },
  );
  mcp.registerTool('wait_for_cancel', { description: 'Runs until the caller cancels it' }, (extra) => {
    seen.started.push(extra.requestId);
    return new Promise((resolve) => {
      waiting.set(extra.requestId, () => resolve({ content: [{ type: 'text', text: 'cancelled' }] }));
    });
  });
  mcp.registerTool('log_twice', { description: 'Logs once at info, once at error' }, async (extra) => {
    for (const [level, data] of [
      ['info', 'chatty'],
      ['error', 'important'],
    ] as const) {
      await extra.sendNotification({ method: 'notifications/message', params: { level, data } });
    }
    return { content: [{ type: 'text', text: 'logged' }] };
  });
  mcp.registerResource('watched', WATCHED, { mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, text: 'watched' }],
  }));
  // Replaces the SDK's own cancellation handler so the test sees the notification's request id as sent.
  mcp.server.setNotificationHandler(CancelledNotificationSchema, async (note) => {
    const id = note.params.requestId;
    if (id === undefined) return;
    seen.cancelled.push(id);
    waiting.get(id)?.();
  });
  mcp.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    seen.subscribed.push(request.params.uri);
    return {};
  });
  mcp.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    seen.unsubscribed.push(request.params.uri);
    return {};
  });
  mcp.server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    seen.levels.push(request.params.level);
    return {};
  });
  return mcp;
}

/** One SDK client, whichever major, reduced to what these tests drive. */
interface TestClient {
  /** Starts `wait_for_cancel` with `signal`; resolves to the call's rejection. */
  callUntilAborted(signal: AbortSignal): Promise<unknown>;
  /** Calls `log_twice`; a 2026-07-28 client asks for log messages of `logLevel` and above in the request. */
  callLogging(logLevel: LoggingLevel): Promise<unknown>;
  logs: string[];
  subscribe(uri: string): Promise<unknown>;
  unsubscribe(uri: string): Promise<unknown>;
  setLevel(level: LoggingLevel): Promise<unknown>;
  updates: string[];
  toolListChanges: number;
  close(): Promise<void>;
}

const CALL = { name: 'wait_for_cancel', arguments: {} };

/** The calls both SDK majors spell alike. */
interface SdkClient {
  subscribeResource(params: { uri: string }): Promise<unknown>;
  unsubscribeResource(params: { uri: string }): Promise<unknown>;
  setLoggingLevel(level: LoggingLevel): Promise<unknown>;
}

function handleFor(
  client: SdkClient,
  call: (signal: AbortSignal) => Promise<unknown>,
  callLogging: (logLevel: LoggingLevel) => Promise<unknown>,
  close: () => Promise<void>,
): TestClient {
  return {
    updates: [],
    logs: [],
    toolListChanges: 0,
    callLogging,
    callUntilAborted: (signal) =>
      call(signal).then(
        () => null,
        (error: unknown) => error,
      ),
    subscribe: (uri) => client.subscribeResource({ uri }),
    unsubscribe: (uri) => client.unsubscribeResource({ uri }),
    setLevel: (level) => client.setLoggingLevel(level),
    close,
  };
}

async function clientV1(url: string, key: string): Promise<TestClient> {
  const client = new ClientV1({ name: 'sdk-v1', version: '1.0.0' });
  const transport = new TransportV1(new URL(url), { requestInit: { headers: { authorization: `Bearer ${key}` } } });
  const handle = handleFor(
    client,
    (signal) => client.callTool(CALL, undefined, { signal }),
    () => client.callTool({ name: 'log_twice', arguments: {} }),
    async () => {
      await transport.terminateSession();
      await client.close();
    },
  );
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (note) => {
    handle.updates.push(note.params.uri);
  });
  client.setNotificationHandler(LoggingMessageNotificationSchema, async (note) => {
    handle.logs.push(String(note.params.data));
  });
  client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
    handle.toolListChanges += 1;
  });
  await client.connect(transport);
  return handle;
}

async function clientV2(url: string, key: string, era: 'modern' | 'legacy'): Promise<TestClient> {
  const client = new ClientV2(
    { name: `sdk-v2-${era}`, version: '2.0.0' },
    { versionNegotiation: era === 'modern' ? { mode: { pin: '2026-07-28' } } : { mode: 'legacy' } },
  );
  const transport = new TransportV2(new URL(url), { requestInit: { headers: { authorization: `Bearer ${key}` } } });
  const handle = handleFor(
    client,
    (signal) => client.callTool(CALL, { signal }),
    (logLevel) =>
      client.callTool({
        name: 'log_twice',
        arguments: {},
        ...(era === 'modern' ? { _meta: { 'io.modelcontextprotocol/logLevel': logLevel } } : {}),
      }),
    async () => {
      // A 2026-07-28 client has no session to end.
      if (era === 'legacy') await transport.terminateSession();
      await client.close();
    },
  );
  client.setNotificationHandler('notifications/resources/updated', async (note) => {
    handle.updates.push(note.params.uri);
  });
  client.setNotificationHandler('notifications/message', async (note) => {
    handle.logs.push(String(note.params.data));
  });
  client.setNotificationHandler('notifications/tools/list_changed', async () => {
    handle.toolListChanges += 1;
  });
  await client.connect(transport);
  return handle;
}

const SESSION_CLIENTS = {
  'SDK 1.x (2025 session)': (url: string, key: string) => clientV1(url, key),
  'SDK 2.x (2025 session)': (url: string, key: string) => clientV2(url, key, 'legacy'),
};
const ALL_CLIENTS = {
  ...SESSION_CLIENTS,
  'SDK 2.x (2026-07-28)': (url: string, key: string) => clientV2(url, key, 'modern'),
};

describe('MCP SDK clients through /mcp/servers/{id}: cancellation, subscriptions, list changes, log level', () => {
  let ctx: Awaited<ReturnType<typeof startMcpGateway>>;
  let upstream: Awaited<ReturnType<typeof serveMcpOverHttp>>;
  let mcp: McpServer;
  let key: string;
  let url: string;
  let added = 0;

  beforeAll(async () => {
    mcp = upstreamServer();
    upstream = await serveMcpOverHttp(mcp);
    ctx = await startMcpGateway({
      servers: [{ id: 'watch', transport: 'streamable_http', url: upstream.url, era: 'legacy' }],
    });
    key = await keyAllowedEverything(ctx.gateway);
    url = `${ctx.gateway.baseUrl}/mcp/servers/watch`;
  }, 60_000);
  afterAll(async () => {
    await ctx?.dispose();
    await upstream?.stop();
  });

  const reset = () => {
    for (const list of Object.values(seen)) list.length = 0;
    waiting.clear();
  };

  for (const [flavour, connect] of Object.entries(ALL_CLIENTS)) {
    it(`${flavour}: aborting an in-flight tools/call cancels the upstream's own request, audited once`, async () => {
      reset();
      const before = (await ctx.gateway.auditEvents()).length;
      const client = await connect(url, key);
      try {
        const abort = new AbortController();
        const outcome = client.callUntilAborted(abort.signal);
        await expect.poll(() => seen.started.length, { timeout: 10_000 }).toBe(1);
        abort.abort('the user gave up');
        expect(await outcome).toBeTruthy();
        await expect.poll(() => seen.cancelled, { timeout: 10_000 }).toEqual(seen.started);
      } finally {
        await client.close();
      }
      await expect
        .poll(
          async () =>
            (await ctx.gateway.auditEvents())
              .slice(before)
              .filter((event) => (event.meta as { tool?: string } | null)?.tool === 'wait_for_cancel').length,
          { timeout: 10_000 },
        )
        .toBe(1);
    }, 60_000);
  }

  for (const [flavour, connect] of Object.entries(SESSION_CLIENTS)) {
    it(`${flavour}: resources/updated reaches a subscriber, stops after unsubscribe; tools/list_changed reaches the session stream`, async () => {
      reset();
      const client = await connect(url, key);
      try {
        await client.subscribe(WATCHED);
        expect(seen.subscribed).toEqual([WATCHED]);
        // The session's GET stream opens beside the requests; updates sent before it is up are not kept.
        await expect
          .poll(
            () => {
              void mcp.server.sendResourceUpdated({ uri: WATCHED });
              return client.updates.length;
            },
            { timeout: 10_000 },
          )
          .toBeGreaterThan(0);
        expect(new Set(client.updates)).toEqual(new Set([WATCHED]));

        await client.unsubscribe(WATCHED);
        expect(seen.unsubscribed).toEqual([WATCHED]);
        const updates = client.updates.length;
        await mcp.server.sendResourceUpdated({ uri: WATCHED });
        // An upstream sends in order and the gateway relays list changes only after re-listing, so once the
        // list change has arrived an update relayed in error would have arrived before it.
        added += 1;
        mcp.registerTool(`added_${added}`, { description: 'Appears mid-session' }, async () => ({ content: [] }));
        await expect.poll(() => client.toolListChanges, { timeout: 10_000 }).toBeGreaterThan(0);
        expect(client.updates).toHaveLength(updates);
      } finally {
        await client.close();
      }
    }, 60_000);
    it(`${flavour}: logging/setLevel filters the session's log messages at the gateway`, async () => {
      reset();
      const client = await connect(url, key);
      try {
        await client.setLevel('warning');
        await client.callLogging('warning');
        expect(client.logs).toEqual(['important']);
        // One upstream connection serves every caller: one session's level must not change what others hear.
        expect(seen.levels).toEqual([]);
      } finally {
        await client.close();
      }
    }, 60_000);
  }
  it("SDK 2.x (2026-07-28): a request's _meta logLevel filters its log messages", async () => {
    const client = await ALL_CLIENTS['SDK 2.x (2026-07-28)'](url, key);
    try {
      await client.callLogging('warning');
      expect(client.logs).toEqual(['important']);
      await client.callLogging('debug');
      expect(client.logs).toEqual(['important', 'chatty', 'important']);
    } finally {
      await client.close();
    }
  }, 60_000);
});
