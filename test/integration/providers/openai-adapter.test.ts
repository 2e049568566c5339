import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLlmRouter, type LlmRouter } from '../../../src/providers/index.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { MemorySink, noSleep, readJson, readStream, sseData, testCall } from './support.ts';

describe('openai adapter against an OpenAI-compatible upstream', () => {
  let fake: FakeLlmUpstream;
  let router: LlmRouter;

  beforeAll(async () => {
    fake = await createFakeLlmUpstream();
    router = createLlmRouter({
      upstreams: [{ id: 'up', provider: 'openai', base_url: `${fake.origin}/v1`, api_keys: ['sk-test-key-1'] }],
      models: [
        { name: 'chat', targets: [{ upstream: 'up', model: 'gpt-4o-mini' }] },
        { name: 'thinker', targets: [{ upstream: 'up', model: 'o3-mini' }] },
        { name: 'embed', targets: [{ upstream: 'up', model: 'text-embedding-3-small' }] },
      ],
      sleep: noSleep,
    });
  });
  afterAll(async () => {
    await router.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it('passes a JSON chat through with the upstream model, bearer key and unknown fields intact', async () => {
    const body = {
      model: 'chat',
      messages: [{ role: 'user', content: 'hi there' }],
      max_tokens: 5,
      x_custom: { a: 1 },
    };
    const result = await router.executeWithFailover(
      testCall({ requestId: 'r1', operation: 'openai.chat', model: 'chat', body }),
    );
    const reply = readJson(result);
    expect(reply.object).toBe('chat.completion');
    const seen = fake.requests[0];
    expect(seen?.path).toBe('/v1/chat/completions');
    expect(seen?.headers.authorization).toBe('Bearer sk-test-key-1');
    expect(seen?.body).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 5, x_custom: { a: 1 } });
    expect(result.audit).toMatchObject({
      upstream: 'up',
      target: 'gpt-4o-mini',
      outcome: 'ok',
      usage_estimated: false,
    });
    expect(result.audit.usage?.completion_tokens).toBeGreaterThan(0);
    expect(result.audit.attempts).toHaveLength(1);
  });

  it('moves max_tokens to max_completion_tokens for reasoning models', async () => {
    const body = { model: 'thinker', messages: [{ role: 'user', content: 'think' }], max_tokens: 50 };
    await router.executeWithFailover(testCall({ requestId: 'r2', operation: 'openai.chat', model: 'thinker', body }));
    expect(fake.requests[0]?.body).toMatchObject({ model: 'o3-mini', max_completion_tokens: 50 });
    expect(fake.requests[0]?.body).not.toHaveProperty('max_tokens');
  });

  it('always asks the upstream for stream usage and strips the usage chunk the client did not ask for', async () => {
    const body = { model: 'chat', messages: [{ role: 'user', content: 'hi' }], stream: true };
    const result = await router.executeWithFailover(
      testCall({ requestId: 'r3', operation: 'openai.chat', model: 'chat', body }),
    );
    expect(result.contentType).toBe('text/event-stream');
    const { text, audit } = await readStream(result);
    expect(fake.requests[0]?.body?.stream_options).toEqual({ include_usage: true });
    const events = sseData(text);
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.some((event) => typeof event === 'object' && event !== null && 'usage' in event)).toBe(false);
    expect(audit).toMatchObject({ outcome: 'ok', truncated: false, usage_estimated: false });
    expect(audit.usage?.completion_tokens).toBe(5);
    expect(audit.ttft_ms).not.toBeNull();
  });

  it('keeps the usage chunk when the client asked for it', async () => {
    const body = {
      model: 'chat',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    };
    const result = await router.executeWithFailover(
      testCall({ requestId: 'r4', operation: 'openai.chat', model: 'chat', body }),
    );
    const { text } = await readStream(result);
    const usageEvent = sseData(text).find((event) => typeof event === 'object' && event !== null && 'usage' in event);
    expect(usageEvent).toMatchObject({ choices: [], usage: { completion_tokens: 5 } });
  });

  it('pauses the upstream while the client is not draining, then completes', async () => {
    class SlowSink extends MemorySink {
      override write(chunk: Buffer): boolean {
        super.write(chunk);
        setImmediate(() => this.emit('drain'));
        return false;
      }
    }
    const body = { model: 'chat', messages: [{ role: 'user', content: 'hi' }], stream: true };
    const result = await router.executeWithFailover(
      testCall({ requestId: 'bp', operation: 'openai.chat', model: 'chat', body }),
    );
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const sink = new SlowSink();
    const audit = await result.stream.pipeTo(sink);
    expect(audit.outcome).toBe('ok');
    expect(sseData(sink.text()).at(-1)).toBe('[DONE]');
  });

  it('estimates stream usage when the upstream reports none', async () => {
    fake.omitUsage = true;
    try {
      const body = { model: 'chat', messages: [{ role: 'user', content: 'hello world' }], stream: true };
      const result = await router.executeWithFailover(
        testCall({
          requestId: 'r5',
          operation: 'openai.chat',
          model: 'chat',
          body,
        }),
      );
      const { audit } = await readStream(result);
      expect(audit.usage_estimated).toBe(true);
      expect(audit.usage?.completion_tokens).toBeGreaterThan(0);
    } finally {
      fake.omitUsage = false;
    }
  });

  it('serves completions, streamed and not', async () => {
    const body = { model: 'chat', prompt: 'Say hi' };
    const json = readJson(
      await router.executeWithFailover(
        testCall({ requestId: 'r6', operation: 'openai.completions', model: 'chat', body }),
      ),
    );
    expect(json.object).toBe('text_completion');
    expect(fake.requests[0]?.path).toBe('/v1/completions');
    const streamed = await router.executeWithFailover(
      testCall({
        requestId: 'r7',
        operation: 'openai.completions',
        model: 'chat',
        body: { ...body, stream: true },
      }),
    );
    const { text, audit } = await readStream(streamed);
    expect(sseData(text).at(-1)).toBe('[DONE]');
    expect(audit.outcome).toBe('ok');
  });

  it('passes embeddings through in float and base64 encodings', async () => {
    const float = readJson(
      await router.executeWithFailover(
        testCall({
          requestId: 'r8',
          operation: 'openai.embeddings',
          model: 'embed',
          body: { model: 'embed', input: ['a', 'b'] },
        }),
      ),
    );
    expect((float.data as Array<{ embedding: number[] }>)[1]?.embedding).toHaveLength(8);
    const b64 = readJson(
      await router.executeWithFailover(
        testCall({
          requestId: 'r9',
          operation: 'openai.embeddings',
          model: 'embed',
          body: { model: 'embed', input: 'a', encoding_format: 'base64' },
        }),
      ),
    );
    expect(typeof (b64.data as Array<{ embedding: unknown }>)[0]?.embedding).toBe('string');
    expect(fake.requests[1]?.body?.encoding_format).toBe('base64');
  });

  it('lists upstream models and probes health', async () => {
    const models = await router.listUpstreamModels('up');
    expect(models.map((model) => model.id)).toContain('gpt-4o-mini');
    expect(fake.requests[0]?.path).toBe('/v1/models');
    expect(await router.probeUpstream('up')).toMatchObject({ ok: true, upstream: 'up' });
  });

  it('rejects unknown models with a typed error', async () => {
    await expect(
      router.executeWithFailover(testCall({ requestId: 'r10', operation: 'openai.chat', model: 'nope', body: {} })),
    ).rejects.toMatchObject({ code: 'model_not_found', status: 404 });
    expect(router.hasModel('nope')).toBe(false);
  });
});
