import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLlmRouter, type LlmRouter, type LlmRouterOptions, UpstreamError } from '../../../src/providers/index.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { MemorySink, noSleep, readJson, readStream, sseData, testCall } from './support.ts';

const chat = (requestId: string, stream = false) => ({
  requestId,
  operation: 'openai.chat' as const,
  model: 'chat',
  body: { model: 'chat', messages: [{ role: 'user', content: 'tell me a story' }], stream },
});

describe('failover over real upstreams', () => {
  let a: FakeLlmUpstream;
  let b: FakeLlmUpstream;
  let router: LlmRouter;

  function build(overrides: Partial<LlmRouterOptions> = {}): LlmRouter {
    return createLlmRouter({
      upstreams: [
        { id: 'a', provider: 'openai', base_url: `${a.origin}/v1`, api_keys: [] },
        { id: 'b', provider: 'openai', base_url: `${b.origin}/v1`, api_keys: [] },
      ],
      models: [
        {
          name: 'chat',
          targets: [
            { upstream: 'a', model: 'model-a' },
            { upstream: 'b', model: 'model-b' },
          ],
        },
      ],
      sleep: noSleep,
      ...overrides,
    });
  }

  /** A request id whose weighted-hash order puts upstream `a` first, so faults queued on `a` are hit first. */
  async function idPreferringA(): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const probe = createLlmRouter({
        upstreams: [
          { id: 'a', provider: 'openai', base_url: `${a.origin}/v1`, api_keys: [] },
          { id: 'b', provider: 'openai', base_url: `${b.origin}/v1`, api_keys: [] },
        ],
        models: [
          {
            name: 'chat',
            targets: [
              { upstream: 'a', model: 'model-a' },
              { upstream: 'b', model: 'model-b' },
            ],
          },
        ],
      });
      const result = await probe.executeWithFailover(testCall(chat(`id-${i}`)));
      await probe.close();
      if (result.audit.upstream === 'a') {
        a.reset();
        b.reset();
        return `id-${i}`;
      }
    }
    throw new Error('no request id prefers upstream a');
  }

  beforeEach(async () => {
    a = await createFakeLlmUpstream();
    b = await createFakeLlmUpstream();
    router = build();
  });
  afterEach(async () => {
    await router.close();
    await a.close();
    await b.close();
  });

  it('routes the same request id to the same target every time', async () => {
    const first = await router.executeWithFailover(testCall(chat('sticky')));
    const second = await router.executeWithFailover(testCall(chat('sticky')));
    expect(second.audit.upstream).toBe(first.audit.upstream);
  });

  it('retries a 500 on the other target', async () => {
    const id = await idPreferringA();
    a.fail({ type: 'status', status: 500 });
    const result = await router.executeWithFailover(testCall(chat(id)));
    expect(readJson(result).object).toBe('chat.completion');
    expect(result.audit.attempts.map((attempt) => [attempt.upstream, attempt.outcome, attempt.status])).toEqual([
      ['a', 'upstream_unavailable', 500],
      ['b', 'ok', 200],
    ]);
  });

  it('retries a garbage 200 and a refused connection', async () => {
    const id = await idPreferringA();
    a.fail({ type: 'garbage' });
    const garbage = await router.executeWithFailover(testCall(chat(id)));
    expect(garbage.audit.attempts[0]?.outcome).toBe('upstream_bad_response');
    expect(garbage.audit.upstream).toBe('b');
    await a.close();
    const refused = await router.executeWithFailover(testCall(chat(id)));
    expect(refused.audit.attempts[0]).toMatchObject({ upstream: 'a', outcome: 'upstream_unavailable', status: null });
    expect(refused.audit.upstream).toBe('b');
    a = await createFakeLlmUpstream();
  });

  it('retries when the upstream does not answer before the first-byte timeout', async () => {
    await router.close();
    router = build({
      models: [
        {
          name: 'chat',
          targets: [
            { upstream: 'a', model: 'model-a' },
            { upstream: 'b', model: 'model-b' },
          ],
          first_byte_timeout_ms: 200,
        },
      ],
    });
    const id = await idPreferringA();
    a.fail({ type: 'headers-then-hang' });
    const result = await router.executeWithFailover(testCall(chat(id, true)));
    const { text, audit } = await readStream(result);
    expect(sseData(text).at(-1)).toBe('[DONE]');
    expect(audit.attempts.map((attempt) => attempt.outcome)).toEqual(['upstream_timeout', 'ok']);
    expect(a.requests[0]?.aborted).toBe(true);
  });

  it('does not retry a request the upstream rejected, and redacts its message', async () => {
    const body = JSON.stringify({ error: { message: 'context too long; key sk-live-abcdefghijklmnop was used' } });
    a.fail({ type: 'status', status: 400, body });
    b.fail({ type: 'status', status: 400, body });
    const error = (await router.executeWithFailover(testCall(chat('bad'))).catch((e: unknown) => e)) as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.code).toBe('upstream_rejected');
    expect(error.status).toBe(400);
    expect(error.message).toContain('context too long');
    expect(error.message).not.toContain('sk-live-abcdefghijklmnop');
    expect(error.audit?.attempts).toHaveLength(1);
    expect(error.toResponseObject().error.code).toBe('upstream_rejected');
  });

  it('gives up with upstream_unavailable and an audit when every attempt fails, then opens the circuits', async () => {
    a.fail({ type: 'status', status: 503 }, { times: 10 });
    b.fail({ type: 'status', status: 503 }, { times: 10 });
    const error = (await router.executeWithFailover(testCall(chat('down'))).catch((e: unknown) => e)) as UpstreamError;
    expect(error.code).toBe('upstream_unavailable');
    expect(error.status).toBe(502);
    expect(error.audit?.attempts).toHaveLength(3);
    expect(error.audit?.outcome).toBe('error');
    // Default threshold is 3 consecutive failures per target; two more calls trip both circuits.
    await router.executeWithFailover(testCall(chat('down-2'))).catch(() => undefined);
    const seen = a.requests.length + b.requests.length;
    const skipped = (await router
      .executeWithFailover(testCall(chat('down-3')))
      .catch((e: unknown) => e)) as UpstreamError;
    expect(skipped.code).toBe('upstream_unavailable');
    expect(skipped.audit?.attempts).toHaveLength(0);
    expect(a.requests.length + b.requests.length).toBe(seen);
  });

  it('falls back to another model group after the primary group is exhausted', async () => {
    await router.close();
    router = build({
      models: [
        { name: 'chat', targets: [{ upstream: 'a', model: 'model-a' }], retries: 1, fallbacks: ['backup'] },
        { name: 'backup', targets: [{ upstream: 'b', model: 'model-b' }] },
      ],
    });
    a.fail({ type: 'status', status: 502 }, { times: 2 });
    const result = await router.executeWithFailover(testCall(chat('fb')));
    expect(result.audit.attempts.map((attempt) => [attempt.upstream, attempt.fallback])).toEqual([
      ['a', false],
      ['a', false],
      ['b', true],
    ]);
    expect(b.requests[0]?.body?.model).toBe('model-b');
  });

  it('cools down a key that got 429 and rotates to the next one', async () => {
    await router.close();
    router = createLlmRouter({
      upstreams: [
        { id: 'a', provider: 'openai', base_url: `${a.origin}/v1`, api_keys: ['sk-key-one-000', 'sk-key-two-000'] },
      ],
      models: [{ name: 'chat', targets: [{ upstream: 'a', model: 'model-a' }] }],
      sleep: noSleep,
    });
    a.fail(
      { type: 'status', status: 429, headers: { 'retry-after': '30' } },
      { when: (request) => request.headers.authorization === 'Bearer sk-key-one-000' },
    );
    const first = await router.executeWithFailover(testCall(chat('k1')));
    expect(first.audit.attempts.map((attempt) => [attempt.key_index, attempt.outcome])).toEqual([
      [0, 'upstream_rate_limited'],
      [1, 'ok'],
    ]);
    await router.executeWithFailover(testCall(chat('k2')));
    await router.executeWithFailover(testCall(chat('k3')));
    const keys = a.requests.slice(2).map((request) => request.headers.authorization);
    expect(keys).toEqual(['Bearer sk-key-two-000', 'Bearer sk-key-two-000']);
  });

  it('ends a stream cut mid-way with an in-band error, no [DONE], marked truncated', async () => {
    a.replyText = 'one two three four five six';
    b.replyText = a.replyText;
    a.fail({ type: 'cut', afterChunks: 2 });
    b.fail({ type: 'cut', afterChunks: 2 });
    const result = await router.executeWithFailover(testCall(chat('cut', true)));
    const { text, audit, sink } = await readStream(result);
    const events = sseData(text);
    expect(events).not.toContain('[DONE]');
    expect(events.at(-1)).toMatchObject({ error: { code: 'upstream_stream_truncated' } });
    expect(events.filter((event) => typeof event === 'object' && event !== null && 'choices' in event)).toHaveLength(2);
    expect(sink.ended).toBe(true);
    expect(audit).toMatchObject({ truncated: true, outcome: 'truncated', usage_estimated: true });
    expect(audit.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('ends a stalled stream after the idle timeout as truncated', async () => {
    await router.close();
    router = build({
      models: [{ name: 'chat', targets: [{ upstream: 'a', model: 'model-a' }], idle_timeout_ms: 200 }],
    });
    a.fail({ type: 'stall', afterChunks: 1 });
    const { text, audit } = await readStream(await router.executeWithFailover(testCall(chat('stall', true))));
    expect(sseData(text)).not.toContain('[DONE]');
    expect(audit).toMatchObject({ truncated: true, error_code: 'upstream_timeout' });
  });

  it('aborts the upstream at once when the client goes away, and still reports usage', async () => {
    a.fail({ type: 'stall', afterChunks: 2 });
    b.fail({ type: 'stall', afterChunks: 2 });
    const controller = new AbortController();
    const result = await router.executeWithFailover(testCall({ ...chat('abort', true), signal: controller.signal }));
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const sink = new MemorySink();
    const piped = result.stream.pipeTo(sink);
    const upstreamAbort = (result.audit.upstream === 'a' ? a : b).nextAbort();
    controller.abort();
    const audit = await piped;
    const aborted = await upstreamAbort;
    expect(aborted.aborted).toBe(true);
    expect(audit).toMatchObject({ outcome: 'aborted', truncated: false, usage_estimated: true });
    expect(audit.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('rejects at once when the client aborted before any attempt', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      router.executeWithFailover(testCall({ ...chat('gone'), signal: controller.signal })),
    ).rejects.toMatchObject({
      code: 'client_aborted',
    });
  });
});
