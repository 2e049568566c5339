/**
 * Issue 2 "What must exist" (audit): SIGTERM loses no admitted event. The real server process (what `npm start`
 * runs) takes a burst of keep-alive requests, gets SIGTERM mid-burst, must exit 0, and the store must then hold one
 * audit event for every response the client received.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/config/index.ts';
import { openServices } from '../../../src/gateway.ts';
import { openStore } from '../../../src/store/index.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import {
  createGatewayEnvironment,
  type GatewayEnvironment,
  type GatewayProcess,
  readAuditEvents,
  spawnGatewayProcess,
  startGateway,
} from '../../helpers/gateway.ts';

const REQUESTS = 200;

interface Received {
  status: number;
  requestId: string | null;
}

/** A key of a fresh tenant and team, written to the store the spawned process will open. */
async function issueKey(environment: GatewayEnvironment): Promise<string> {
  const services = await openServices(loadConfig({ env: environment.env }));
  try {
    const tenant = await services.identity.createTenant('acme');
    await services.identity.createTeam(tenant.id, 'research');
    return (await services.identity.createKey({ tenant: 'acme', team: 'research', name: 'load' })).key;
  } finally {
    await services.store.close();
  }
}

describe('SIGTERM drains in-flight requests and the audit queue (real process)', () => {
  let environment: GatewayEnvironment;
  let server: GatewayProcess | null = null;
  let key: string;

  beforeAll(async () => {
    environment = await createGatewayEnvironment('sqlite', { LOG_LEVEL: 'info' });
    key = await issueKey(environment);
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    await environment?.dispose();
  });

  it('exits 0 and keeps one audit event per response received', async () => {
    server = spawnGatewayProcess(environment.env);
    const baseUrl = await server.baseUrl;
    const pool = new Pool(baseUrl, { connections: 32, pipelining: 8, keepAliveTimeout: 10_000 });
    const received: Received[] = [];
    let signalled = false;
    const calls = Array.from({ length: REQUESTS }, async () => {
      const response = await pool.request({
        method: 'GET',
        path: '/gatehouse/v1/whoami',
        headers: { authorization: `Bearer ${key}` },
      });
      await response.body.dump();
      const requestId = response.headers['x-gatehouse-request-id'];
      received.push({ status: response.statusCode, requestId: typeof requestId === 'string' ? requestId : null });
      if (!signalled && received.length >= 10) {
        signalled = true;
        server?.child.kill('SIGTERM');
      }
    });
    const settled = await Promise.allSettled(calls);
    if (!signalled) server.child.kill('SIGTERM');
    const exit = await server.exit;
    await pool.close();
    expect(exit, server.stderr()).toEqual({ code: 0, signal: null });

    const store = openStore({ dataDir: environment.dataDir, writeUrl: null });
    const events = await readAuditEvents(store);
    await store.close();
    const byRequestId = new Map(events.map((event) => [event.request_id, event]));

    expect(received.length).toBe(settled.filter((result) => result.status === 'fulfilled').length);
    expect(received.length).toBeGreaterThanOrEqual(10);
    const unaudited = received.filter(
      (response) => response.requestId === null || !byRequestId.has(response.requestId),
    );
    expect(unaudited, `statuses without an audit event: ${unaudited.map((r) => r.status).join(',')}`).toEqual([]);
    for (const response of received) {
      expect(byRequestId.get(response.requestId as string)?.status).toBe(response.status);
    }
    expect(events.length).toBe(new Set(events.map((event) => event.request_id)).size);
    expect(events.length).toBeLessThanOrEqual(REQUESTS);
  });
});

describe('close() does not wait on connections that never sent a request', () => {
  it('drops a silent connection, finishes closing and drains the audit queue', async () => {
    const environment = await createGatewayEnvironment('sqlite');
    const gw = await startGateway({ environment });
    try {
      const { headers } = await gw.createIdentity();
      const silent = connect(Number(new URL(gw.baseUrl).port), '127.0.0.1');
      await once(silent, 'connect');
      const silentClosed = once(silent, 'close');
      const pool = new Pool(gw.baseUrl, { connections: 1 });
      const answered = await pool.request({ path: '/v1/models', method: 'GET', headers });
      const requestId = answered.headers['x-gatehouse-request-id'];
      await answered.body.text();
      // Left open, the silent socket would hold close() for the server's 60 s headers timeout, and this test would
      // fail on vitest's own timeout instead.
      await gw.close();
      await silentClosed;
      await pool.close();
      const store = openStore({ dataDir: environment.dataDir, writeUrl: null });
      try {
        expect((await readAuditEvents(store)).map((event) => event.request_id)).toContain(requestId);
      } finally {
        await store.close();
      }
    } finally {
      await gw.dispose();
      await environment.dispose();
    }
  });
});

describe('SIGTERM with streams in flight (real process)', () => {
  let environment: GatewayEnvironment;
  let upstream: FakeLlmUpstream;
  let server: GatewayProcess | null = null;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    environment = await createGatewayEnvironment('sqlite', { LOG_LEVEL: 'info' });
    const configPath = join(environment.dataDir, 'gatehouse.yaml');
    writeFileSync(
      configPath,
      stringify({
        upstreams: [{ id: 'fake', provider: 'openai', base_url: `${upstream.origin}/v1` }],
        models: [{ name: 'gpt-4o-mini', targets: [{ upstream: 'fake', model: 'gpt-4o-mini' }] }],
      }),
    );
    environment.env.GATEHOUSE_CONFIG = configPath;
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    await upstream?.close();
    await environment?.dispose();
  });

  it('finishes every stream it had begun, exits 0 and audits each one', async () => {
    const STREAMS = 12;
    const key = await issueKey(environment);
    upstream.fail({ type: 'slow', delayMs: 40 }, { times: STREAMS });
    server = spawnGatewayProcess(environment.env);
    const baseUrl = await server.baseUrl;
    const pool = new Pool(baseUrl, { connections: STREAMS });
    const responses = await Promise.all(
      Array.from({ length: STREAMS }, () =>
        pool.request({
          method: 'POST',
          path: '/v1/chat/completions',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }),
        }),
      ),
    );
    // Every stream has its headers (it began) before the signal; each then has several slow chunks to go.
    server.child.kill('SIGTERM');
    const bodies = await Promise.all(responses.map((response) => response.body.text()));
    // The client keeps its connections open: the gateway must close them itself once their streams are done.
    const exit = await server.exit;
    await pool.close();
    expect(exit, server.stderr()).toEqual({ code: 0, signal: null });
    for (const body of bodies) expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);

    const store = openStore({ dataDir: environment.dataDir, writeUrl: null });
    try {
      const events = await readAuditEvents(store);
      const ids = responses.map((response) => response.headers['x-gatehouse-request-id']);
      const streamed = events.filter((event) => ids.includes(event.request_id));
      expect(streamed).toHaveLength(STREAMS);
      for (const event of streamed) expect(event).toMatchObject({ status: 200, outcome: 'success' });
    } finally {
      await store.close();
    }
  });
});
