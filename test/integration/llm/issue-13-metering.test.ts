/**
 * Issue 13, the two metering bugs found when the dialect work was first tried as a user would, as regression
 * tests through the real routes and a fake upstream:
 * - the model that `x-gatehouse-model` selects is the one limited, priced and audited (it was the body's `model`,
 *   so a key limited to 1 request/minute on a model got 3 of 3 calls through to that model's upstream);
 * - a request refused for bad input admits nothing and changes no counter (under 2/minute, two 400s then a valid
 *   call gave [400, 400, 429]).
 */
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { usageRepository } from '../../../src/store/index.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { eventually, uniqueName } from '../../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from './support.ts';

describe('issue 13: metering follows the routed model and ignores refused input', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({
      file: {
        upstreams: [{ id: 'primary', provider: 'openai', base_url: `${upstream.origin}/v1` }],
        models: [
          { name: 'cheap', targets: [{ upstream: 'primary', model: 'cheap-upstream' }] },
          { name: 'premium', targets: [{ upstream: 'primary', model: 'premium-upstream' }] },
        ],
        prices: { cheap: { input: 0.01, output: 0.01 }, premium: { input: 100, output: 100 } },
      },
    });
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });
  beforeEach(() => upstream.reset());

  async function keyWith(settings: Record<string, unknown>) {
    const tenant = await gw.gateway.identity.createTenant(uniqueName('tenant'));
    const team = await gw.gateway.identity.createTeam(tenant.id, uniqueName('team'));
    const issued = await gw.gateway.identity.createKey({ tenant: tenant.id, team: team.id, name: 'k', settings });
    await gw.gateway.snapshot.refresh();
    return { id: issued.record.id, authorization: `Bearer ${issued.key}` };
  }

  async function chat(authorization: string, body: unknown, headers: Record<string, string> = {}) {
    const response = await request(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const json = (await response.body.json()) as { model?: string; error?: { code: string } };
    return {
      status: response.statusCode,
      json,
      requestId: String(response.headers['x-gatehouse-request-id']),
      remaining: response.headers['x-ratelimit-remaining-requests'],
    };
  }

  const hello = { messages: [{ role: 'user', content: 'hello' }] };

  it('limits, prices and audits the model named by x-gatehouse-model, not the body', async () => {
    const key = await keyWith({ limits: { models: { premium: { rpm: 1 } } } });
    const statuses: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = await chat(key.authorization, { ...hello, model: 'cheap' }, { 'x-gatehouse-model': 'premium' });
      statuses.push(reply.status);
      ids.push(reply.requestId);
    }
    expect(statuses).toEqual([200, 429, 429]);
    expect(upstream.requests.map((seen) => seen.body?.model)).toEqual(['premium-upstream']);
    const first = await eventually(() => gw.auditEventFor(ids[0] as string));
    expect(first.meta).toMatchObject({ model: 'premium' });
    // At 100 USD per million tokens either way, even a short exchange costs far more than the cheap model's rate.
    expect(first.usage?.cost_usd).toBeGreaterThan(0.0001);
    const refused = await eventually(() => gw.auditEventFor(ids[1] as string));
    expect(refused).toMatchObject({ status: 429, error_code: 'rate_limit_exceeded', meta: { model: 'premium' } });
    const rows = await eventually(async () => {
      const found = await usageRepository.queryUsage(gw.gateway.store.read, { keyId: key.id }, ['model']);
      return found.length > 0 ? found : undefined;
    });
    expect(rows.map((row) => [row.model, row.requests])).toEqual([['premium', 1]]);
  });

  it('a body refused as invalid admits nothing: two 400s then a valid call under 2/minute is [400, 400, 200]', async () => {
    const key = await keyWith({ limits: { rpm: 2 } });
    const bad = [
      { model: 'cheap', messages: 'not a list' },
      { model: 'cheap', messages: [{ role: 'wizard', content: 'hi' }] },
    ];
    const replies = [];
    for (const body of bad) replies.push(await chat(key.authorization, body));
    replies.push(await chat(key.authorization, { ...hello, model: 'cheap' }));
    expect(replies.map((reply) => reply.status)).toEqual([400, 400, 200]);
    // The valid call took the first of the two slots: the 400s left the counter where it was.
    expect(replies[2]?.remaining).toBe('1');
    expect(upstream.requests).toHaveLength(1);
    for (const reply of replies.slice(0, 2)) {
      const event = await eventually(() => gw.auditEventFor(reply.requestId));
      expect(event).toMatchObject({ status: 400, error_code: 'invalid_request', outcome: 'client_error' });
      expect(event.usage).toBeNull();
    }
    const rows = await eventually(async () => {
      const found = await usageRepository.queryUsage(gw.gateway.store.read, { keyId: key.id }, []);
      return found.length > 0 ? found : undefined;
    });
    expect(rows.map((row) => row.requests)).toEqual([1]);
  });

  it('an unknown model or one the key may not use admits nothing either', async () => {
    const key = await keyWith({ allowed_models: ['cheap'], limits: { rpm: 1 } });
    const unknown = await chat(key.authorization, { ...hello, model: 'nope' });
    const forbidden = await chat(key.authorization, { ...hello, model: 'premium' });
    const headerForbidden = await chat(
      key.authorization,
      { ...hello, model: 'cheap' },
      { 'x-gatehouse-model': 'premium' },
    );
    const ok = await chat(key.authorization, { ...hello, model: 'cheap' });
    expect([unknown.status, forbidden.status, headerForbidden.status, ok.status]).toEqual([403, 403, 403, 200]);
    expect(upstream.requests).toHaveLength(1);
  });
});
