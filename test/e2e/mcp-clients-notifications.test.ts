/**
 * Real MCP SDK clients of both majors through the gateway's per-server endpoint for what flows outside a plain
 * request/response: cancellation of an in-flight call, resource subscriptions and list-changed notifications on
 * the 2025 session stream, and the log level a client asks for. The upstream is an in-process SDK 1.x server, so the test sees what
 * the upstream itself received (its own request ids, its subscriptions).
 */
/**
 * Real MCP SDK clients of both majors through the gateway's per-server endpoint for what flows outside a plain
 * request/response: cancellation of an in-flight call, resource subscriptions and list-changed notifications on
 * the 2025 session stream, and the log level a client asks for. The upstream records what it received (its own
 * request ids, its subscriptions), and the checks run against three of them: an in-process SDK 1.x server over
 * streamable HTTP (2025 session), the same server over stdio, and an SDK 2.x server answering 2026-07-28 requests
 * statelessly. A 2026-07-28 upstream has no `resources/subscribe`, and the gateway opens no `subscriptions/listen`
 * for resource URIs there (README, resource subscriptions), so its run checks cancellation and list changes only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  type LoggingLevel,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDir, REPO_ROOT } from '../helpers/gateway.ts';
import {
  createWatchServer,
  emptySeen,
  type Seen,
  startModernWatchHttp,
  WATCH_ENTRY,
  WATCHED,
} from '../integration/mcp/fixtures/watch-server.ts';
import { keyAllowedEverything, serveMcpOverHttp, startMcpGateway } from '../integration/mcp/support.ts';

/** An upstream the checks run against: its entry in the gateway's config, and what it has seen so far. */
interface WatchUpstream {
  server: Record<string, unknown>;
  seen(): Seen;
  /** Sends `notifications/resources/updated` for `test://watched`; absent where the era has no such subscription. */
  touch: (() => void) | null;
  /** Adds a tool, so the upstream announces `notifications/tools/list_changed`. */
  addTool(): void;
  stop(): Promise<void>;
}

async function inProcessHttp(): Promise<WatchUpstream> {
  const seen = emptySeen();
  const mcp = createWatchServer(seen, new Map());
  const upstream = await serveMcpOverHttp(mcp);
  let added = 0;
  return {
    server: { id: 'watch', transport: 'streamable_http', url: upstream.url, era: 'legacy' },
    seen: () => seen,
    touch: () => void mcp.server.sendResourceUpdated({ uri: WATCHED }),
    addTool() {
      added += 1;
      mcp.registerTool(`added_${added}`, { description: 'Appears mid-session' }, async () => ({ content: [] }));
    },
    stop: () => upstream.stop(),
  };
}

/** The same server as a stdio process the gateway starts; it reports through a file and takes signals. */
async function stdioProcess(): Promise<WatchUpstream> {
  const file = join(createTempDir('gatehouse-watch-'), 'seen.json');
  const read = (): Seen & { pid?: number } => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Seen & { pid: number };
    } catch {
      return emptySeen();
    }
  };
  const signal = (name: NodeJS.Signals) => {
    const { pid } = read();
    if (pid !== undefined) process.kill(pid, name);
  };
  return {
    server: {
      id: 'watch',
      transport: 'stdio',
      command: process.execPath,
      args: ['--import', 'tsx', WATCH_ENTRY],
      cwd: REPO_ROOT,
      env: { WATCH_SEEN_FILE: file },
    },
    seen: read,
    touch: () => signal('SIGUSR2'),
    addTool: () => signal('SIGHUP'),
    // The gateway ends the process group on shutdown.
    stop: async () => {},
  };
}

async function modernHttp(): Promise<WatchUpstream> {
  const host = await startModernWatchHttp();
  return {
    server: { id: 'watch', transport: 'streamable_http', url: host.url, era: 'modern' },
    seen: () => host.seen,
    touch: null,
    addTool: () => host.addTool(),
    stop: () => host.stop(),
  };
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

/** The entries of `seen()[list]` recorded since this call. */
function recordedSince<K extends keyof Seen>(upstream: WatchUpstream, list: K): () => Seen[K] {
  const from = upstream.seen()[list].length;
  return () => upstream.seen()[list].slice(from) as Seen[K];
}

function describeThrough(
  label: string,
  start: () => Promise<WatchUpstream>,
  checks: { subscriptions: boolean; logLevels: boolean },
) {
  describe(`MCP SDK clients through /mcp/servers/{id} to ${label}`, () => {
    let ctx: Awaited<ReturnType<typeof startMcpGateway>>;
    let upstream: WatchUpstream;
    let key: string;
    let url: string;

    beforeAll(async () => {
      upstream = await start();
      ctx = await startMcpGateway({ stdio_allowed_commands: [process.execPath], servers: [upstream.server] });
      key = await keyAllowedEverything(ctx.gateway);
      url = `${ctx.gateway.baseUrl}/mcp/servers/watch`;
    }, 60_000);
    afterAll(async () => {
      await ctx?.dispose();
      await upstream?.stop();
    });

    for (const [flavour, connect] of Object.entries(ALL_CLIENTS)) {
      it(`${flavour}: aborting an in-flight tools/call cancels the upstream's own request, audited once`, async () => {
        const before = (await ctx.gateway.auditEvents()).length;
        const started = recordedSince(upstream, 'started');
        const cancelled = recordedSince(upstream, 'cancelled');
        const client = await connect(url, key);
        try {
          const abort = new AbortController();
          const outcome = client.callUntilAborted(abort.signal);
          await expect.poll(() => started().length, { timeout: 10_000 }).toBe(1);
          abort.abort('the user gave up');
          expect(await outcome).toBeTruthy();
          await expect.poll(cancelled, { timeout: 10_000 }).toEqual(started());
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
      const touch = () => upstream.touch?.();
      if (checks.subscriptions) {
        it(`${flavour}: resources/updated reaches a subscriber, stops after unsubscribe; tools/list_changed reaches the session stream`, async () => {
          const subscribed = recordedSince(upstream, 'subscribed');
          const unsubscribed = recordedSince(upstream, 'unsubscribed');
          const client = await connect(url, key);
          try {
            await client.subscribe(WATCHED);
            expect(subscribed()).toEqual([WATCHED]);
            // The session's GET stream opens beside the requests; updates sent before it is up are not kept.
            await expect
              .poll(
                () => {
                  touch();
                  return client.updates.length;
                },
                { timeout: 10_000 },
              )
              .toBeGreaterThan(0);
            expect(new Set(client.updates)).toEqual(new Set([WATCHED]));

            await client.unsubscribe(WATCHED);
            expect(unsubscribed()).toEqual([WATCHED]);
            const updates = client.updates.length;
            touch();
            // An upstream sends in order and the gateway relays list changes only after re-listing, so once the
            // list change has arrived an update relayed in error would have arrived before it.
            upstream.addTool();
            await expect.poll(() => client.toolListChanges, { timeout: 10_000 }).toBeGreaterThan(0);
            expect(client.updates).toHaveLength(updates);
          } finally {
            await client.close();
          }
        }, 60_000);
      } else {
        it(`${flavour}: tools/list_changed from the upstream reaches the session stream`, async () => {
          const client = await connect(url, key);
          try {
            // Nothing shows when the session's GET stream is up, and a change announced before it is not kept. The
            // gateway's SDK client debounces list changes (300 ms), so announcing faster would never let one through.
            await expect
              .poll(
                () => {
                  upstream.addTool();
                  return client.toolListChanges;
                },
                { timeout: 15_000, interval: 1000 },
              )
              .toBeGreaterThan(0);
          } finally {
            await client.close();
          }
        }, 60_000);
      }
      if (checks.logLevels) {
        it(`${flavour}: logging/setLevel filters the session's log messages at the gateway`, async () => {
          const levels = recordedSince(upstream, 'levels');
          const client = await connect(url, key);
          try {
            await client.setLevel('warning');
            await client.callLogging('warning');
            expect(client.logs).toEqual(['important']);
            // One upstream connection serves every caller: one session's level must not change what others hear.
            expect(levels()).toEqual([]);
          } finally {
            await client.close();
          }
        }, 60_000);
      }
    }
    if (checks.logLevels) {
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
    }
  });
}

describeThrough('an SDK 1.x server over streamable HTTP (2025 session)', inProcessHttp, {
  subscriptions: true,
  logLevels: true,
});
describeThrough('the same server over stdio', stdioProcess, { subscriptions: true, logLevels: false });
describeThrough('an SDK 2.x server over stateless HTTP (2026-07-28)', modernHttp, {
  subscriptions: false,
  logLevels: false,
});
