/**
 * Issue 13 §5: the cache and reasoning tokens upstreams report are read on chat and Responses, JSON and streamed,
 * recorded in the audit event, priced at their own rates, and what a cost budget is charged.
 */
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../src/domain/audit/index.ts';
import { usageRepository } from '../../../src/store/index.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { eventually, uniqueName } from '../../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from './support.ts';

const PRICE = { input: 100, output: 200, cache_read: 10, reasoning: 1000 };

function expectedCost(usage: AuditEvent['usage']): number {
  if (usage === null || usage === undefined) throw new Error('no usage');
  const cached = usage.cache_read_tokens ?? 0;
  const reasoning = usage.reasoning_tokens ?? 0;
  return (
    ((usage.prompt_tokens - cached) * PRICE.input +
      cached * PRICE.cache_read +
      (usage.completion_tokens - reasoning) * PRICE.output +
      reasoning * PRICE.reasoning) /
    1e6
  );
}

describe('prices: cache and reasoning tokens', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({
      file: {
        upstreams: [
          { id: 'chat', provider: 'openai', base_url: `${upstream.origin}/v1` },
          { id: 'native', provider: 'openai', base_url: `${upstream.origin}/v1`, responses_api: true },
        ],
        models: [
          { name: 'priced', targets: [{ upstream: 'chat', model: 'up-priced' }] },
          { name: 'priced-native', targets: [{ upstream: 'native', model: 'up-native' }] },
          { name: 'cache-dear', targets: [{ upstream: 'chat', model: 'up-dear' }] },
        ],
        prices: {
          priced: PRICE,
          'priced-native': PRICE,
          // Cache reads far above the input rate: only cache-aware pricing can exhaust the budget below.
          'cache-dear': { input: 1, output: 1, cache_read: 10_000 },
        },
      },
    });
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });
  beforeEach(() => {
    upstream.reset();
    upstream.replyText = 'one two three four five six seven eight nine ten';
  });

  async function newKey(settings: Record<string, unknown> = {}) {
    const tenant = await gw.gateway.identity.createTenant(uniqueName('tenant'));
    const team = await gw.gateway.identity.createTeam(tenant.id, uniqueName('team'));
    const issued = await gw.gateway.identity.createKey({ tenant: tenant.id, team: team.id, name: 'k', settings });
    await gw.gateway.snapshot.refresh();
    return { id: issued.record.id, authorization: `Bearer ${issued.key}` };
  }

  async function call(authorization: string, path: string, body: unknown) {
    const response = await request(`${gw.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, text, requestId: String(response.headers['x-gatehouse-request-id']) };
  }

  const long = `${'word '.repeat(60)}end`;
  const chatBody = (model: string, stream: boolean) => ({
    model,
    stream,
    max_tokens: 10,
    messages: [{ role: 'user', content: long }],
  });

  it.each([false, true])('chat (stream %s): cached and reasoning tokens are recorded and priced', async (stream) => {
    upstream.usageDetails = { cached: 32, reasoning: 4 };
    const key = await newKey();
    const reply = await call(key.authorization, '/v1/chat/completions', chatBody('priced', stream));
    expect(reply.status).toBe(200);
    const event = await eventually(() => gw.auditEventFor(reply.requestId));
    expect(event.usage).toMatchObject({ cache_read_tokens: 32, reasoning_tokens: 4 });
    expect(event.usage?.cost_usd).toBeCloseTo(expectedCost(event.usage), 12);
    const rows = await eventually(async () => {
      const found = await usageRepository.queryUsage(gw.gateway.store.read, { keyId: key.id }, []);
      return found.length > 0 ? found : undefined;
    });
    expect(rows[0]?.cost_usd).toBeCloseTo(expectedCost(event.usage), 12);
  });

  it.each([false, true])('Responses (stream %s): input and output token details are priced', async (stream) => {
    const key = await newKey();
    const reply = await call(key.authorization, '/v1/responses', {
      model: 'priced-native',
      stream,
      store: false,
      input: long,
    });
    expect(reply.status).toBe(200);
    const event = await eventually(() => gw.auditEventFor(reply.requestId));
    // The fake Responses upstream reports 2 cached and 1 reasoning token.
    expect(event.usage).toMatchObject({ cache_read_tokens: 2, reasoning_tokens: 1 });
    expect(event.usage?.cost_usd).toBeCloseTo(expectedCost(event.usage), 12);
  });

  it('a cost budget is charged at the cache rate and refuses once spent', async () => {
    upstream.usageDetails = { cached: 40, reasoning: 0 };
    // The reservation (~70 tokens at 1 USD/M) fits; 40 cache reads at 10,000 USD/M (0.4 USD) exhaust the budget.
    const key = await newKey({ budgets: { usd_total: 0.01 } });
    const first = await call(key.authorization, '/v1/chat/completions', chatBody('cache-dear', false));
    expect(first.status).toBe(200);
    const event = await eventually(() => gw.auditEventFor(first.requestId));
    expect(event.usage?.cost_usd).toBeGreaterThan(0.3);
    const second = await call(key.authorization, '/v1/chat/completions', chatBody('cache-dear', false));
    expect(second.status).toBe(429);
    expect(second.text).toContain('total USD budget');
    expect(upstream.requests).toHaveLength(1);
  });
});
