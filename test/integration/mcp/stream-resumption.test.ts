/**
 * Issue 15, resumption of 2025-era streams through the gateway (MCP 2025-11-25 transports §Resumability), driven by
 * the real SDK clients of both majors. The clients' fetch is wrapped so the test can cut an SSE stream the way a
 * dropped connection would, and hold the client's reconnection (its GET with `Last-Event-ID`) until what it must
 * replay has happened: a notification on the session's GET stream, and the answer to a call whose response stream
 * broke. Then raw requests: a malformed `Last-Event-ID` and another session's event id.
 */
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ResourceUpdatedNotificationSchema, SubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyAllowedEverything, serveMcpOverHttp, startMcpGateway } from './support.ts';

const WATCHED = 'test://watched';
/** Updated only while a client is away, so its arrival cannot be a late copy of an earlier update. */
const AWAY = 'test://while-away';
const BACK = 'test://after-resuming';
const EVENT_ID = /^s\d+_\d+$/;

/** Tool calls of `slow_progress` waiting for the test to let them finish. */
const releases: Array<() => void> = [];

function upstreamServer(): McpServer {
  const mcp = new McpServer(
    { name: 'watch', version: '1.0.0' },
    { capabilities: { tools: {}, resources: { subscribe: true } } },
  );
  for (const uri of [WATCHED, AWAY, BACK]) {
    mcp.registerResource(uri, uri, { mimeType: 'text/plain' }, async (href) => ({
      contents: [{ uri: href.href, text: 'watched' }],
    }));
  }
  mcp.server.setRequestHandler(SubscribeRequestSchema, async () => ({}));
  mcp.registerTool('slow_progress', { description: 'Reports progress, then waits to be released' }, async (extra) => {
    const token = extra._meta?.progressToken;
    if (token !== undefined) {
      await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: 1 } });
    }
    await new Promise<void>((resolve) => releases.push(resolve));
    return { content: [{ type: 'text', text: 'finished' }] };
  });
  return mcp;
}

type FetchInput = Parameters<typeof fetch>[0];

/**
 * A fetch whose SSE responses can be cut (the client sees its stream end, the gateway its connection close) and
 * whose resuming requests wait while the gate is shut.
 */
class CuttableFetch {
  readonly resumedWith: string[] = [];
  readonly eventIds: string[] = [];
  private readonly open = new Map<string, () => void>();
  private gate: Promise<void> = Promise.resolve();
  private openGate: () => void = () => {};

  shut(): void {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  release(): void {
    this.openGate();
  }

  /** Ends the client's open SSE streams opened with `method`; returns how many. */
  cut(method: 'GET' | 'POST'): number {
    let cut = 0;
    for (const [key, end] of this.open) {
      if (!key.startsWith(method)) continue;
      end();
      this.open.delete(key);
      cut += 1;
    }
    return cut;
  }

  readonly fetch = async (input: FetchInput, init?: RequestInit): Promise<Response> => {
    const method = init?.method ?? 'GET';
    const lastEventId = new Headers(init?.headers).get('last-event-id');
    if (lastEventId !== null) {
      this.resumedWith.push(lastEventId);
      await this.gate;
    }
    const response = await fetch(input, init);
    if (!(response.headers.get('content-type') ?? '').includes('text/event-stream') || response.body === null) {
      return response;
    }
    const reader = response.body.getReader();
    const key = `${method} ${this.open.size} ${Math.random()}`;
    let ended = false;
    const decoder = new TextDecoder();
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.open.set(key, () => {
          ended = true;
          controller.close();
          void reader.cancel().catch(() => {});
        });
      },
      pull: async (controller) => {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (ended) return;
        if (done) {
          this.open.delete(key);
          controller.close();
          return;
        }
        for (const match of decoder.decode(value, { stream: true }).matchAll(/^id: (.+)$/gm))
          this.eventIds.push(match[1] ?? '');
        controller.enqueue(value);
      },
      cancel: () => {
        this.open.delete(key);
        return reader.cancel().catch(() => {});
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

interface ResumingClient {
  fetch: CuttableFetch;
  updates: string[];
  progress: number;
  sessionId(): string | undefined;
  subscribe(uri: string): Promise<unknown>;
  callSlow(): Promise<unknown>;
  close(): Promise<void>;
}

async function clientV1(url: string, key: string): Promise<ResumingClient> {
  const cuttable = new CuttableFetch();
  const client = new ClientV1({ name: 'sdk-v1', version: '1.0.0' });
  const transport = new TransportV1(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
    fetch: cuttable.fetch,
  });
  const handle: ResumingClient = {
    fetch: cuttable,
    updates: [],
    progress: 0,
    sessionId: () => transport.sessionId,
    subscribe: (uri) => client.subscribeResource({ uri }),
    callSlow: () =>
      client.callTool({ name: 'slow_progress', arguments: {} }, undefined, {
        onprogress: () => {
          handle.progress += 1;
        },
      }),
    close: async () => {
      await transport.terminateSession();
      await client.close();
    },
  };
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (note) => {
    handle.updates.push(note.params.uri);
  });
  await client.connect(transport);
  return handle;
}

async function clientV2(url: string, key: string): Promise<ResumingClient> {
  const cuttable = new CuttableFetch();
  const client = new ClientV2({ name: 'sdk-v2', version: '2.0.0' }, { versionNegotiation: { mode: 'legacy' } });
  const transport = new TransportV2(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
    fetch: cuttable.fetch,
  });
  const handle: ResumingClient = {
    fetch: cuttable,
    updates: [],
    progress: 0,
    sessionId: () => transport.sessionId,
    subscribe: (uri) => client.subscribeResource({ uri }),
    callSlow: () =>
      client.callTool(
        { name: 'slow_progress', arguments: {} },
        {
          onprogress: () => {
            handle.progress += 1;
          },
        },
      ),
    close: async () => {
      await transport.terminateSession();
      await client.close();
    },
  };
  client.setNotificationHandler('notifications/resources/updated', async (note) => {
    handle.updates.push(note.params.uri);
  });
  await client.connect(transport);
  return handle;
}

const CLIENTS = { 'SDK 1.x': clientV1, 'SDK 2.x (2025 session)': clientV2 };

describe('MCP 2025 stream resumption through /mcp/servers/{id}', () => {
  let ctx: Awaited<ReturnType<typeof startMcpGateway>>;
  let upstream: Awaited<ReturnType<typeof serveMcpOverHttp>>;
  let mcp: McpServer;
  let key: string;
  let url: string;

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
    for (const release of releases.splice(0)) release();
    await ctx?.dispose();
    await upstream?.stop();
  });

  /** Subscribes the client to WATCHED and waits until updates reach it over its GET stream. */
  const subscribed = async (client: ResumingClient) => {
    await client.subscribe(WATCHED);
    await expect
      .poll(
        () => {
          void mcp.server.sendResourceUpdated({ uri: WATCHED });
          return client.updates.length;
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
  };

  for (const [flavour, connect] of Object.entries(CLIENTS)) {
    it(`${flavour}: a notification sent while the GET stream was down arrives after the client resumes with Last-Event-ID`, async () => {
      const client = await connect(url, key);
      // A second session subscribed to the same resource: once it has an update, the gateway has also kept that
      // update for the first session (both hear the same upstream notification in one pass).
      const witness = await connect(url, key);
      try {
        await subscribed(client);
        await subscribed(witness);
        for (const uri of [AWAY, BACK]) {
          await client.subscribe(uri);
          await witness.subscribe(uri);
        }
        const count = (updates: string[], uri: string) => updates.filter((update) => update === uri).length;
        client.fetch.shut();
        expect(client.fetch.cut('GET')).toBe(1);
        await mcp.server.sendResourceUpdated({ uri: AWAY });
        await expect.poll(() => count(witness.updates, AWAY), { timeout: 10_000 }).toBe(1);
        expect(count(client.updates, AWAY)).toBe(0);

        client.fetch.release();
        await expect.poll(() => count(client.updates, AWAY), { timeout: 10_000 }).toBe(1);
        expect(client.fetch.resumedWith).toHaveLength(1);
        expect(client.fetch.resumedWith[0]).toMatch(EVENT_ID);

        // The resumed stream carries on live, and what it replayed does not come again.
        await mcp.server.sendResourceUpdated({ uri: BACK });
        await expect.poll(() => count(client.updates, BACK), { timeout: 10_000 }).toBe(1);
        expect(count(client.updates, AWAY)).toBe(1);
        expect(client.fetch.resumedWith).toHaveLength(1);
      } finally {
        await client.close();
        await witness.close();
      }
    }, 60_000);

    it(`${flavour}: a tools/call whose response stream broke is answered on the resumed stream`, async () => {
      const client = await connect(url, key);
      try {
        const before = (await ctx.gateway.auditEvents()).length;
        client.fetch.shut();
        const outcome = client.callSlow();
        await expect.poll(() => client.progress, { timeout: 10_000 }).toBe(1);
        expect(client.fetch.cut('POST')).toBe(1);
        // The call finishes upstream while the client is away; its audit event is written once the gateway has the
        // answer, which it keeps for the stream.
        await expect.poll(() => releases.length, { timeout: 10_000 }).toBe(1);
        releases.shift()?.();
        await expect
          .poll(
            async () =>
              (await ctx.gateway.auditEvents())
                .slice(before)
                .filter((event) => (event.meta as { tool?: string } | null)?.tool === 'slow_progress').length,
            { timeout: 10_000 },
          )
          .toBe(1);
        client.fetch.release();
        expect(await outcome).toMatchObject({ content: [{ type: 'text', text: 'finished' }] });
        expect(client.fetch.resumedWith).toHaveLength(1);
        expect(client.fetch.resumedWith[0]).toMatch(EVENT_ID);
      } finally {
        await client.close();
      }
    }, 60_000);
  }

  /** A raw GET on a session's stream; reads until the first event and returns it with the status. */
  const rawGet = async (sessionId: string, lastEventId: string) => {
    const response = await request(url, {
      method: 'GET',
      headers: {
        authorization: `Bearer ${key}`,
        accept: 'text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-11-25',
        'last-event-id': lastEventId,
      },
    });
    let text = '';
    if (String(response.headers['content-type']).includes('text/event-stream')) {
      for await (const chunk of response.body) {
        text += String(chunk);
        if (text.includes('\n\n')) break;
      }
      response.body.destroy();
    } else {
      text = await response.body.text();
    }
    return { status: response.statusCode, text };
  };
  const mcpEvents = async (since: number) =>
    (await ctx.gateway.auditEvents()).slice(since).filter((event) => event.surface.startsWith('mcp.'));

  it('answers a malformed Last-Event-ID with 400 and a JSON-RPC error, audited once', async () => {
    const client = await clientV1(url, key);
    try {
      const sessionId = client.sessionId() ?? '';
      for (const bad of ['garbage', 's1_', 'x1_2', 's1_2_3', `s${'9'.repeat(40)}_1`]) {
        const before = (await ctx.gateway.auditEvents()).length;
        const reply = await rawGet(sessionId, bad);
        expect(reply.status).toBe(400);
        const body = JSON.parse(reply.text) as { error?: { code: number; message: string } };
        expect(body.error?.code).toBe(-32000);
        expect(body.error?.message).toMatch(/Last-Event-ID/);
        expect(await mcpEvents(before)).toHaveLength(1);
      }
    } finally {
      await client.close();
    }
  }, 60_000);

  it("does not replay another session's events for its event id: the caller gets a new stream", async () => {
    const owner = await clientV1(url, key);
    const stranger = await clientV1(url, key);
    try {
      await subscribed(owner);
      const ownerIds = owner.fetch.eventIds.filter((id) => EVENT_ID.test(id));
      const ownerStreams = new Set(ownerIds.map((id) => id.slice(0, id.indexOf('_'))));
      expect(ownerIds.length).toBeGreaterThan(1);
      const before = (await ctx.gateway.auditEvents()).length;
      const reply = await rawGet(stranger.sessionId() ?? '', `${[...ownerStreams][0]}_0`);
      expect(reply.status).toBe(200);
      // The first event is the new stream's priming event (an id, no data), not a replayed message.
      const id = /^id: (s\d+)_0$/m.exec(reply.text)?.[1];
      expect(id).toBeDefined();
      expect(ownerStreams.has(id ?? '')).toBe(false);
      expect(reply.text).not.toContain('resources/updated');
      await expect.poll(async () => (await mcpEvents(before)).length, { timeout: 10_000 }).toBe(1);
    } finally {
      await owner.close();
      await stranger.close();
    }
  }, 60_000);
});
