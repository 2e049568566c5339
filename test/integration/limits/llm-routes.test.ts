/**
 * Issue 4 through the real OpenAI-compatible routes and a fake upstream: rate headers on LLM replies, a TPM
 * reservation refused before the upstream sees anything, cost computed from the price table into the audit event,
 * and a streamed reply aborted by the client settling its usage and releasing its concurrency slot.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageRepository } from '../../../src/store/index.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { eventually, uniqueName } from '../../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from '../llm/support.ts';

describe('[INV-6] limits on the LLM routes', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    upstream.replyText = Array.from({ length: 200 }, (_, i) => `word${i} `).join('');
    gw = await startLlmGateway({
      file: {
        upstreams: [{ id: 'primary', provider: 'openai', base_url: `${upstream.origin}/v1` }],
        models: [{ name: 'gpt-4o-mini', targets: [{ upstream: 'primary', model: 'gpt-4o-mini' }] }],
        limits: { default_max_tokens: 100 },
        prices: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } },
      },
    });
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });

  async function keyWith(settings: Record<string, unknown>) {
    const tenant = await gw.gateway.identity.createTenant(uniqueName('tenant'));
    const team = await gw.gateway.identity.createTeam(tenant.id, uniqueName('team'));
    const issued = await gw.gateway.identity.createKey({ tenant: tenant.id, team: team.id, name: 'k', settings });
    await gw.gateway.snapshot.refresh();
    return {
      id: issued.record.id,
      headers: { authorization: `Bearer ${issued.key}`, 'content-type': 'application/json' },
    };
  }

  function chat(headers: Record<string, string>, extra: Record<string, unknown> = {}, signal?: AbortSignal) {
    return request(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], ...extra }),
      ...(signal ? { signal } : {}),
    });
  }

  it('sets rate headers, refuses an oversized reservation before the upstream, and prices the audit event', async () => {
    const key = await keyWith({ limits: { rpm: 100, tpm: 1000 } });
    const ok = await chat(key.headers);
    const requestId = String(ok.headers['x-gatehouse-request-id'] ?? '');
    await ok.body.dump();
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['x-ratelimit-limit-requests']).toBe('100');
    expect(ok.headers['x-ratelimit-limit-tokens']).toBe('1000');
    const seen = upstream.requests.length;
    const tooLarge = await chat(key.headers, { max_tokens: 5000 });
    expect(tooLarge.statusCode).toBe(429);
    expect(((await tooLarge.body.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
    expect(upstream.requests.length).toBe(seen);
    const event = await eventually(async () => (requestId ? gw.auditEventFor(requestId) : undefined));
    expect(event?.usage?.cost_usd).toBeGreaterThan(0);
  });

  it('settles an aborted stream with the usage so far and frees its concurrency slot', async () => {
    const key = await keyWith({ limits: { max_parallel: 1 } });
    upstream.fail({ type: 'slow', delayMs: 30 });
    const controller = new AbortController();
    const streaming = await chat(key.headers, { stream: true }, controller.signal);
    expect(streaming.statusCode).toBe(200);
    const busy = await chat(key.headers);
    expect(busy.statusCode).toBe(429);
    expect(((await busy.body.json()) as { error: { code: string } }).error.code).toBe('concurrency_limit_exceeded');
    let received = '';
    for await (const chunk of streaming.body) {
      received += String(chunk);
      if (received.includes('word3')) break;
    }
    controller.abort();
    await streaming.body.dump().catch(() => {});
    await eventually(async () => {
      const reply = await chat(key.headers);
      await reply.body.dump();
      return reply.statusCode === 200;
    });
    const rows = await eventually(async () => {
      const found = await usageRepository.queryUsage(gw.gateway.store.read, { keyId: key.id }, []);
      return found[0]?.requests === 2 ? found : undefined;
    });
    expect(rows[0]?.completion_tokens).toBeGreaterThan(0);
  });
});
