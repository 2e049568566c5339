/**
 * Issue 4 on one instance (in-process state): exact RPM, TPM reservations refused before any upstream call,
 * tenant → team → key inheritance, token and USD budgets, settlement by actual usage (streams and aborts included),
 * rate headers and 429 bodies, and budgets re-seeded from the spend ledger after a restart.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageRepository } from '../../../src/store/index.ts';
import {
  createGatewayEnvironment,
  eventually,
  type GatewayEnvironment,
  readAuditEvents,
} from '../../helpers/gateway.ts';
import {
  callProbe,
  createLimitedKey,
  errorOf,
  type LimitsGateway,
  type ProbeCounter,
  setScopeSettings,
  startLimitsGateway,
} from './support.ts';

/** 8 prompt tokens: 3 reply priming + 4 message framing + 1 for "hi". */
const PROMPT = 8;

describe('[INV-6] limits and budgets on one instance', () => {
  const counter: ProbeCounter = { calls: 0 };
  let environment: GatewayEnvironment;
  let gw: LimitsGateway;

  function start(): Promise<LimitsGateway> {
    return startLimitsGateway(environment, counter);
  }

  beforeAll(async () => {
    environment = await createGatewayEnvironment('sqlite');
    const configPath = join(environment.dataDir, 'gatehouse.yaml');
    writeFileSync(
      configPath,
      [
        'limits:',
        '  default_max_tokens: 200',
        'prices:',
        '  priced-model: { input: 1000, output: 1000 }',
        '  other-model: { input: 1, output: 2, cached_input: 0.5 }',
      ].join('\n'),
    );
    environment.env.GATEHOUSE_CONFIG = configPath;
    gw = await start();
  });
  afterAll(async () => {
    await gw?.close();
    await environment?.dispose();
  });

  it('admits exactly the RPM limit and names the key, limit and reset in the 429', async () => {
    const key = await createLimitedKey(gw.gateway, { limits: { rpm: 5 } });
    const before = counter.calls;
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const reply = await callProbe(gw.baseUrl, key, {});
      expect(reply.status).toBe(200);
      expect(reply.headers['x-ratelimit-limit-requests']).toBe('5');
      remaining.push(String(reply.headers['x-ratelimit-remaining-requests']));
      expect(String(reply.headers['x-ratelimit-reset-requests'])).toMatch(/^\d+(\.\d+)?(ms|s)$|^\d+m\d+(\.\d+)?s$/);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const denied = await callProbe(gw.baseUrl, key, {});
    expect(denied.status).toBe(429);
    expect(errorOf(denied)).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null });
    expect(errorOf(denied).message).toContain(`key ${key.keyId}`);
    expect(errorOf(denied).message).toContain('5 requests per minute');
    expect(Number(denied.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(denied.headers['x-ratelimit-remaining-requests']).toBe('0');
    expect(counter.calls - before).toBe(5);
  });

  it('refuses a TPM reservation that does not fit before the upstream is called', async () => {
    const key = await createLimitedKey(gw.gateway, { limits: { tpm: 1000 } });
    const before = counter.calls;
    const tooLarge = await callProbe(gw.baseUrl, key, { max_tokens: 2000 });
    expect(tooLarge.status).toBe(429);
    expect(errorOf(tooLarge)).toMatchObject({ code: 'request_too_large', param: 'max_tokens' });
    expect(tooLarge.headers['retry-after']).toBeUndefined();
    const first = await callProbe(gw.baseUrl, key, { max_tokens: 600 - PROMPT });
    expect(first.status).toBe(200);
    expect(first.headers['x-ratelimit-limit-tokens']).toBe('1000');
    expect(first.headers['x-ratelimit-remaining-tokens']).toBe('400');
    const second = await callProbe(gw.baseUrl, key, { max_tokens: 600 - PROMPT });
    expect(second.status).toBe(429);
    expect(errorOf(second).code).toBe('rate_limit_exceeded');
    expect(errorOf(second).message).toContain('1000 tokens per minute');
    expect(counter.calls - before).toBe(1);
  });

  it('settles with the actual usage, refunding the unused part of the reservation', async () => {
    const key = await createLimitedKey(gw.gateway, { limits: { tpm: 1000 } });
    const first = await callProbe(gw.baseUrl, key, {
      max_tokens: 600 - PROMPT,
      fake_usage: { prompt: 8, completion: 42 },
    });
    expect(first.status).toBe(200);
    // Settlement runs when the response has finished; once it has, 50 of 1000 are used and 600 fit again.
    const again = await eventually(async () => {
      const reply = await callProbe(gw.baseUrl, key, { max_tokens: 600 - PROMPT });
      return reply.status === 200 ? reply : undefined;
    });
    // 1000 - 50 settled - 600 reserved, plus whatever refilled meanwhile (1000 per minute).
    const left = Number(again.headers['x-ratelimit-remaining-tokens']);
    expect(left).toBeGreaterThanOrEqual(350);
    expect(left).toBeLessThan(400);
  });

  it('enforces team and tenant limits across the keys beneath them, within one snapshot poll', async () => {
    const a = await createLimitedKey(gw.gateway);
    const b = await createLimitedKey(gw.gateway, {}, { tenantId: a.tenantId, teamId: a.teamId });
    await setScopeSettings(gw.gateway, 'teams', a.teamId, { limits: { rpm: 2 } });
    expect((await callProbe(gw.baseUrl, a, {})).status).toBe(200);
    expect((await callProbe(gw.baseUrl, b, {})).status).toBe(200);
    const denied = await callProbe(gw.baseUrl, a, {});
    expect(denied.status).toBe(429);
    expect(errorOf(denied).message).toContain(`team ${a.teamId}`);

    const c = await createLimitedKey(gw.gateway);
    await setScopeSettings(gw.gateway, 'tenants', c.tenantId, { budgets: { tokens_total: 100 } });
    const overTenant = await callProbe(gw.baseUrl, c, { max_tokens: 200 });
    expect(overTenant.status).toBe(429);
    expect(errorOf(overTenant)).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded' });
    expect(errorOf(overTenant).message).toContain(`tenant ${c.tenantId}`);
  });

  it('applies per-model limits only to that model', async () => {
    const key = await createLimitedKey(gw.gateway, { limits: { models: { 'slow-model': { rpm: 1 } } } });
    expect((await callProbe(gw.baseUrl, key, { model: 'slow-model' })).status).toBe(200);
    const denied = await callProbe(gw.baseUrl, key, { model: 'slow-model' });
    expect(denied.status).toBe(429);
    expect(errorOf(denied).message).toContain('for model slow-model');
    expect((await callProbe(gw.baseUrl, key, { model: 'fast-model' })).status).toBe(200);
  });

  it('refuses a request whose reservation would exceed a token budget, naming budget, window and reset', async () => {
    const key = await createLimitedKey(gw.gateway, { budgets: { tokens_daily: 1000 } });
    const before = counter.calls;
    expect((await callProbe(gw.baseUrl, key, { max_tokens: 400 - PROMPT })).status).toBe(200);
    expect((await callProbe(gw.baseUrl, key, { max_tokens: 400 - PROMPT })).status).toBe(200);
    const denied = await callProbe(gw.baseUrl, key, { max_tokens: 400 - PROMPT });
    expect(denied.status).toBe(429);
    expect(errorOf(denied)).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded' });
    expect(errorOf(denied).message).toMatch(
      /daily token budget of key .* \(1000 tokens\); it resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/,
    );
    expect(Number(denied.headers['retry-after'])).toBeGreaterThan(0);
    expect(counter.calls - before).toBe(2);
    // Zero-token requests (no body to estimate) are never blocked by a token budget.
    const whoami = await request(`${gw.baseUrl}/gatehouse/v1/whoami`, { headers: key.headers });
    await whoami.body.dump();
    expect(whoami.statusCode).toBe(200);
  });

  it('enforces USD budgets from the price table; a model without a price never consumes one', async () => {
    const key = await createLimitedKey(gw.gateway, { budgets: { usd_total: 1 } });
    // 1000 USD per million tokens: 600 reserved tokens cost $0.60.
    expect((await callProbe(gw.baseUrl, key, { model: 'priced-model', max_tokens: 600 - PROMPT })).status).toBe(200);
    const denied = await callProbe(gw.baseUrl, key, { model: 'priced-model', max_tokens: 600 - PROMPT });
    expect(denied.status).toBe(429);
    expect(errorOf(denied).message).toContain('total USD budget');
    expect(errorOf(denied).message).toContain('($1)');
    expect(errorOf(denied).message).toContain('never resets');
    expect(denied.headers['retry-after']).toBeUndefined();
    expect((await callProbe(gw.baseUrl, key, { model: 'unpriced-model', max_tokens: 5000 })).status).toBe(200);
  });

  it('settles streams when they end and when the client aborts them, releasing the concurrency slot', async () => {
    const key = await createLimitedKey(gw.gateway, { limits: { max_parallel: 1 } });
    const completed = await request(`${gw.baseUrl}/limits-probe/v1/stream`, {
      method: 'POST',
      headers: key.headers,
      body: JSON.stringify({ model: 'stream-model', chunks: 3 }),
    });
    expect(await completed.body.text()).toContain('chunk 3');

    const controller = new AbortController();
    const aborted = await eventually(async () => {
      const reply = await request(`${gw.baseUrl}/limits-probe/v1/stream`, {
        method: 'POST',
        headers: key.headers,
        body: JSON.stringify({ model: 'stream-model', chunks: 100_000 }),
        signal: controller.signal,
      });
      if (reply.statusCode === 200) return reply;
      await reply.body.dump();
      return undefined;
    });
    // While the first stream runs, the only slot is taken.
    const busy = await callProbe(gw.baseUrl, key, {});
    expect(busy.status).toBe(429);
    expect(errorOf(busy).code).toBe('concurrency_limit_exceeded');
    for await (const chunk of aborted.body) {
      if (String(chunk).includes('chunk 2')) break;
    }
    controller.abort();
    await aborted.body.dump().catch(() => {});
    await eventually(async () => (await callProbe(gw.baseUrl, key, {})).status === 200);

    const { token } = await gw.gateway.admin.bootstrapPlatformAdmin('limits-admin@example.com');
    const report = await eventually(async () => {
      const response = await request(`${gw.baseUrl}/admin/v1/usage?key=${key.keyId}&model=stream-model`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await response.body.json()) as { totals: { requests: number; completion_tokens: number } };
      return body.totals.requests === 2 ? body : undefined;
    });
    // The completed stream wrote 3 chunks; the aborted one at least 2, each counted as one completion token.
    expect(report.totals.completion_tokens).toBeGreaterThanOrEqual(5);
    // Exactly one audit event per stream, the aborted one recorded as such (client closed: 499).
    await gw.gateway.audit.flush();
    const events = (await readAuditEvents(gw.gateway.store)).filter(
      (event) => event.surface === 'limits.probe.stream' && event.principal?.id === key.keyId,
    );
    expect(events.map((event) => [event.status, event.outcome])).toEqual([
      [200, 'success'],
      [499, 'aborted'],
    ]);
  });

  it('keeps budgets across a restart: counters are re-seeded from the spend ledger', async () => {
    const key = await createLimitedKey(gw.gateway, { budgets: { tokens_total: 1000 } });
    const spent = await callProbe(gw.baseUrl, key, { max_tokens: 50, fake_usage: { prompt: 300, completion: 500 } });
    expect(spent.status).toBe(200);
    await eventually(async () => {
      const rows = await usageRepository.queryUsage(gw.gateway.store.read, { keyId: key.keyId }, []);
      return rows[0]?.total_tokens === 800;
    });
    await gw.close();
    gw = await start();
    const denied = await callProbe(gw.baseUrl, key, { max_tokens: 400 - PROMPT });
    expect(denied.status).toBe(429);
    expect(errorOf(denied).code).toBe('budget_exceeded');
    expect((await callProbe(gw.baseUrl, key, { max_tokens: 100 - PROMPT })).status).toBe(200);
  });
});
