/**
 * Issue 13 §5: the cache and reasoning tokens upstreams report are read on chat, Responses and Messages (cache
 * reads and writes from an Anthropic upstream), JSON and streamed, recorded in the audit event, priced at their own
 * rates, and what a cost budget is charged; the agent session
 * headers are recorded in the event and the ledger, and the usage report groups by session and shows unpriced use.
 */
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../src/domain/audit/index.ts';
import { usageRepository } from '../../../src/store/index.ts';
import { countInputTokens } from '../../helpers/fake-anthropic-api.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { eventually, uniqueName } from '../../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from './support.ts';

interface Price {
  input: number;
  output: number;
  cache_read: number;
  cache_write?: number;
  reasoning?: number;
}

const PRICE: Price = { input: 100, output: 200, cache_read: 10, reasoning: 1000 };
/** Every rate distinct, so a cache write priced at the input or cache read rate shows in the cost. */
const CLAUDE_PRICE: Price = { input: 100, output: 200, cache_read: 10, cache_write: 125 };

/** The README's formula ("Prices"), an unset cache write or reasoning rate falling back as it says. */
function expectedCost(usage: AuditEvent['usage'], price: Price = PRICE): number {
  if (usage === null || usage === undefined) throw new Error('no usage');
  const cached = usage.cache_read_tokens ?? 0;
  const written = usage.cache_write_tokens ?? 0;
  const reasoning = usage.reasoning_tokens ?? 0;
  return (
    ((usage.prompt_tokens - cached - written) * price.input +
      cached * price.cache_read +
      written * (price.cache_write ?? price.input) +
      (usage.completion_tokens - reasoning) * price.output +
      reasoning * (price.reasoning ?? price.output)) /
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
          { id: 'claude', provider: 'anthropic', base_url: upstream.origin, api_keys: ['sk-ant-fake'] },
        ],
        models: [
          { name: 'priced', targets: [{ upstream: 'chat', model: 'up-priced' }] },
          { name: 'priced-native', targets: [{ upstream: 'native', model: 'up-native' }] },
          { name: 'priced-claude', targets: [{ upstream: 'claude', model: 'up-claude' }] },
          { name: 'cache-dear', targets: [{ upstream: 'chat', model: 'up-dear' }] },
          { name: 'free-local', targets: [{ upstream: 'chat', model: 'up-free' }] },
        ],
        prices: {
          priced: PRICE,
          'priced-native': PRICE,
          'priced-claude': CLAUDE_PRICE,
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

  async function call(authorization: string, path: string, body: unknown, headers: Record<string, string> = {}) {
    const response = await request(`${gw.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json', ...headers },
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

  it.each([false, true])('Messages (stream %s): cache reads and writes are recorded and priced', async (stream) => {
    const key = await newKey();
    const reply = await call(key.authorization, '/v1/messages', chatBody('priced-claude', stream), {
      'anthropic-version': '2023-06-01',
    });
    expect(reply.status).toBe(200);
    const sent = upstream.requests.at(-1);
    expect(sent?.path).toBe('/v1/messages');
    // The fake Anthropic upstream reports its uncached input, 3 cache writes, 5 cache reads and one output token
    // per word; streamed, the input counts come in message_start and the output count in message_delta.
    const input = countInputTokens(sent?.body ?? {});
    const output = upstream.replyText.split(' ').length;
    const event = await eventually(() => gw.auditEventFor(reply.requestId));
    expect(event.meta).toMatchObject({ model: 'priced-claude', stream });
    expect(event.usage).toMatchObject({
      prompt_tokens: input + 3 + 5,
      completion_tokens: output,
      cache_read_tokens: 5,
      cache_write_tokens: 3,
    });
    const cost = (input * 100 + 5 * 10 + 3 * 125 + output * 200) / 1e6;
    expect(expectedCost(event.usage, CLAUDE_PRICE)).toBeCloseTo(cost, 12);
    expect(event.usage?.cost_usd).toBeCloseTo(cost, 12);
    const rows = await eventually(async () => {
      const found = await usageRepository.queryUsage(gw.gateway.store.read, { keyId: key.id }, []);
      return found.length > 0 ? found : undefined;
    });
    expect(rows[0]?.cost_usd).toBeCloseTo(cost, 12);
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

  async function adminGet(path: string, token: string) {
    const response = await request(`${gw.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
  }

  it('records agent sessions from each agent header, groups usage by them and filters audit by them', async () => {
    const token = (await gw.gateway.admin.bootstrapPlatformAdmin(`${uniqueName('admin')}@example.com`)).token;
    await gw.gateway.adminSnapshot.refresh();
    const key = await newKey();
    const claude = `cc-${uniqueName('s')}`;
    const codex = `019a-${uniqueName('codex')}`;
    const own = `mine.${uniqueName('s')}`;
    const sent: Array<[string, Record<string, string>, string | null]> = [
      ['/v1/chat/completions', { 'x-claude-code-session-id': claude }, claude],
      ['/v1/responses', { session_id: codex }, codex],
      ['/v1/chat/completions', { 'x-gatehouse-session': own, 'x-claude-code-session-id': claude }, own],
      ['/v1/chat/completions', { 'x-gatehouse-session': 'has spaces<script>' }, null],
      ['/v1/chat/completions', { 'x-gatehouse-session': 'x'.repeat(129) }, null],
    ];
    const ids: string[] = [];
    for (const [path, headers, expected] of sent) {
      const body = path === '/v1/responses' ? { model: 'free-local', input: 'hi' } : chatBody('free-local', false);
      const reply = await call(key.authorization, path, body, headers);
      expect(reply.status).toBe(200);
      ids.push(reply.requestId);
      const event = await eventually(() => gw.auditEventFor(reply.requestId));
      expect(event.meta.session ?? null).toBe(expected);
    }

    const report = await eventually(async () => {
      const found = await adminGet(`/admin/v1/usage?key=${key.id}&group_by=session`, token);
      const totals = found.body.totals as { requests: number } | undefined;
      return totals?.requests === 5 ? found : undefined;
    });
    expect(report.status).toBe(200);
    const rows = report.body.data as Array<{ session: string; requests: number; unpriced_requests: number }>;
    expect(rows.map((row) => [row.session, row.requests]).sort()).toEqual(
      [
        ['', 2],
        [claude, 1],
        [codex, 1],
        [own, 1],
      ].sort(),
    );
    // free-local has no price (and no built-in one): counted as unpriced, never as a silent 0.
    const totals = report.body.totals as { unpriced_requests: number; unpriced_tokens: number; cost_usd: number };
    expect(totals.unpriced_requests).toBe(5);
    expect(totals.unpriced_tokens).toBeGreaterThan(0);
    expect(totals.cost_usd).toBe(0);

    const one = await adminGet(`/admin/v1/usage?session=${claude}`, token);
    expect((one.body.totals as { requests: number }).requests).toBe(1);
    const audit = await adminGet(`/admin/v1/audit?session=${codex}`, token);
    expect(audit.status).toBe(200);
    const events = audit.body.data as Array<{ request_id: string }>;
    expect(events.map((event) => event.request_id)).toEqual([ids[1]]);

    const bad = await adminGet('/admin/v1/usage?group_by=sessions', token);
    expect(bad.status).toBe(400);
    const badSession = await adminGet('/admin/v1/usage?session=a%20b', token);
    expect(badSession.status).toBe(400);
  });
});
