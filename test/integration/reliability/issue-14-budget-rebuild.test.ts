/**
 * Issue 14, findings 3 and 4: budget counters are a cache of the ledger.
 * - Finding 4: a budget set during the day counts what the key already spent that day, and its refusal is audited
 *   as `budget_exceeded` (not `rate_limited`), with a message naming the reservation it counted.
 * - Finding 3: on its own Redis (never the shared one), a FLUSHALL and a restart of the server under load: the
 *   tokens the client received never exceed the total budget, and the ledger holds exactly them.
 */
import type { ChildProcess } from 'node:child_process';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeSettingsRepository, usageRepository } from '../../../src/store/index.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { eventually, uniqueName } from '../../helpers/gateway.ts';
import { freePort, redisAvailable, startRedisServer } from '../../helpers/services.ts';
import { type LlmTestGateway, startLlmGateway } from '../llm/support.ts';

const LLM_FILE = (origin: string) => ({
  upstreams: [{ id: 'primary', provider: 'openai', base_url: `${origin}/v1` }],
  models: [{ name: 'gpt-4o-mini', targets: [{ upstream: 'primary', model: 'gpt-4o-mini' }] }],
});

async function issueKey(gw: LlmTestGateway, settings: Record<string, unknown> = {}) {
  const tenant = await gw.gateway.identity.createTenant(uniqueName('tenant'));
  const team = await gw.gateway.identity.createTeam(tenant.id, uniqueName('team'));
  const issued = await gw.gateway.identity.createKey({ tenant: tenant.id, team: team.id, name: 'k', settings });
  await gw.gateway.snapshot.refresh();
  return {
    id: issued.record.id,
    headers: { authorization: `Bearer ${issued.key}`, 'content-type': 'application/json' },
  };
}

async function chat(gw: LlmTestGateway, headers: Record<string, string>, maxTokens = 50) {
  const reply = await request(`${gw.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: maxTokens, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = (await reply.body.json()) as {
    usage?: { total_tokens: number };
    error?: { code: string; message: string };
  };
  return { status: reply.statusCode, id: String(reply.headers['x-gatehouse-request-id']), body };
}

async function ledgerTokens(gw: LlmTestGateway, keyId: string): Promise<number> {
  const rows = await usageRepository.queryUsage(gw.gateway.store.write, { keyId }, []);
  return Number(rows[0]?.total_tokens ?? 0);
}

describe('[INV-6] issue 14 finding 4: a budget set mid-day counts the day so far', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    upstream.replyText = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    gw = await startLlmGateway({ file: LLM_FILE(upstream.origin) });
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });

  it('refuses once the day already spent the new budget, audited as budget_exceeded', async () => {
    const key = await issueKey(gw);
    for (let i = 0; i < 3; i++) expect((await chat(gw, key.headers)).status).toBe(200);
    // Waits for the ledger (immediate now; up to 1 s late before issue 14), so what is tested is the budget alone.
    const spent = await eventually(async () => {
      const tokens = await ledgerTokens(gw, key.id);
      return tokens > 0 ? tokens : undefined;
    });
    // Room for the next request's reservation (prompt estimate + 5) on its own, not on top of the day's ~100
    // tokens: a counter that starts from zero (the bug) admits it, one rebuilt from the ledger refuses it.
    await scopeSettingsRepository.updateSettings(gw.gateway.store.write, 'virtual_keys', key.id, (current) => ({
      ...current,
      budgets: { tokens_daily: spent + 1 },
    }));
    await gw.gateway.snapshot.refresh();
    const refused = await chat(gw, key.headers, 5);
    expect(refused.status).toBe(429);
    expect(refused.body.error?.code).toBe('budget_exceeded');
    expect(refused.body.error?.message).toMatch(/reserves \d+ tokens \(prompt estimate \d+ \+ max_tokens 5\)/);
    const event = await eventually(async () => gw.auditEventFor(refused.id));
    expect(event?.outcome).toBe('budget_exceeded');
    expect(await ledgerTokens(gw, key.id)).toBe(spent);
  });

  it('audits any budget refusal as budget_exceeded, not rate_limited', async () => {
    const key = await issueKey(gw, { budgets: { tokens_daily: 1 } });
    const refused = await chat(gw, key.headers);
    expect(refused.status).toBe(429);
    expect(refused.body.error?.code).toBe('budget_exceeded');
    const event = await eventually(async () => gw.auditEventFor(refused.id));
    expect(event?.outcome).toBe('budget_exceeded');
  });
});

const redisOk = await redisAvailable();

describe.skipIf(!redisOk)('[INV-6] issue 14 finding 3: a Redis flush and restart under load', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let port: number;
  let server: ChildProcess;

  async function startServer(): Promise<void> {
    server = startRedisServer(port);
    const { Redis } = await import('ioredis');
    await eventually(async () => {
      const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
      client.on('error', () => {});
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } finally {
        client.disconnect();
      }
    });
  }

  async function stopServer(): Promise<void> {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGKILL');
    await exited;
  }

  beforeAll(async () => {
    port = await freePort();
    await startServer();
    upstream = await createFakeLlmUpstream();
    upstream.replyText = Array.from({ length: 50 }, (_, i) => `word${i}`).join(' ');
    gw = await startLlmGateway({ file: LLM_FILE(upstream.origin), env: { REDIS_URL: `redis://127.0.0.1:${port}/0` } });
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
    if (server !== undefined && server.exitCode === null) await stopServer();
  });

  it('never grants more than a total budget across a FLUSHALL and a restart', async () => {
    // ~55 tokens a request (50-word replies): the budget lasts ~36 requests. The flush and the restart come once
    // 40% and 70% of it were received, so a counter reset to zero (the bug) would grant well past the budget.
    const budget = 2_000;
    const key = await issueKey(gw, { budgets: { tokens_total: budget } });
    let stop = false;
    let receivedTokens = 0;
    const statuses: number[] = [];
    const loops = Array.from({ length: 6 }, async () => {
      while (!stop) {
        const reply = await chat(gw, key.headers, 60).catch(() => null);
        if (reply === null) continue;
        statuses.push(reply.status);
        if (reply.status === 200) receivedTokens += reply.body.usage?.total_tokens ?? 0;
      }
    });
    const slow = { timeoutMs: 30_000 };
    await eventually(() => receivedTokens >= budget * 0.4, slow);
    const { Redis } = await import('ioredis');
    const admin = new Redis({ port, host: '127.0.0.1' });
    await admin.flushall();
    await admin.quit();
    await eventually(() => receivedTokens >= budget * 0.7, slow);
    await stopServer();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await startServer();
    await eventually(() => statuses.filter((status) => status === 429).length >= 3, slow);
    stop = true;
    await Promise.all(loops);
    expect(statuses).toContain(503);
    expect(receivedTokens).toBeLessThanOrEqual(budget);
    const spent = await ledgerTokens(gw, key.id);
    expect(spent).toBeGreaterThanOrEqual(receivedTokens);
    expect(spent).toBeLessThanOrEqual(budget);
  });
});
