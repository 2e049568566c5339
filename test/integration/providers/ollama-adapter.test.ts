import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLlmRouter, type LlmRouter } from '../../../src/providers/index.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { ndjson, noSleep, readJson, readStream, sseData, testCall } from './support.ts';

describe('ollama adapter and cross-dialect translation', () => {
  let ollama: FakeLlmUpstream;
  let openai: FakeLlmUpstream;
  let router: LlmRouter;

  beforeAll(async () => {
    ollama = await createFakeLlmUpstream();
    openai = await createFakeLlmUpstream();
    router = createLlmRouter({
      upstreams: [
        { id: 'local', provider: 'ollama', base_url: ollama.origin, api_keys: ['ollama-cloud-key'] },
        { id: 'oai', provider: 'openai', base_url: `${openai.origin}/v1`, api_keys: [] },
      ],
      models: [
        { name: 'llama3', targets: [{ upstream: 'local', model: 'llama3.1:8b' }] },
        { name: 'gpt', targets: [{ upstream: 'oai', model: 'gpt-4o-mini' }] },
      ],
      sleep: noSleep,
    });
  });
  afterAll(async () => {
    await router.close();
    await ollama.close();
    await openai.close();
  });
  beforeEach(() => {
    ollama.reset();
    openai.reset();
  });

  describe('Ollama client, Ollama upstream (native pass-through)', () => {
    it('streams /api/chat NDJSON unchanged but for the public model name, and reads usage from the done line', async () => {
      const body = { model: 'llama3', messages: [{ role: 'user', content: 'hi' }], keep_alive: '5m' };
      const result = await router.executeWithFailover(
        testCall({
          requestId: 'o1',
          operation: 'ollama.chat',
          model: 'llama3',
          body,
        }),
      );
      expect(result.contentType).toBe('application/x-ndjson');
      const { text, audit } = await readStream(result);
      const lines = ndjson(text);
      // Issue 13: the client reads the name it asked for; the upstream's is in the audit (`target`).
      expect(lines.at(-1)).toMatchObject({ done: true, model: 'llama3' });
      expect(audit.target).toBe('llama3.1:8b');
      expect(audit.usage).toMatchObject({ completion_tokens: 5 });
      const seen = ollama.requests[0];
      expect(seen?.path).toBe('/api/chat');
      expect(seen?.headers.authorization).toBe('Bearer ollama-cloud-key');
      expect(seen?.body).toMatchObject({ model: 'llama3.1:8b', keep_alive: '5m' });
    });

    it('serves generate, embed and legacy embeddings as JSON', async () => {
      const gen = readJson(
        await router.executeWithFailover(
          testCall({
            requestId: 'o2',
            operation: 'ollama.generate',
            model: 'llama3',
            body: { model: 'llama3', prompt: 'hi', stream: false },
          }),
        ),
      );
      expect(gen).toMatchObject({ done: true, response: 'Hello from the fake upstream.' });
      const embed = await router.executeWithFailover(
        testCall({
          requestId: 'o3',
          operation: 'ollama.embed',
          model: 'llama3',
          body: { model: 'llama3', input: ['a', 'b'] },
        }),
      );
      expect((readJson(embed).embeddings as unknown[]).length).toBe(2);
      expect(embed.audit.usage?.prompt_tokens).toBeGreaterThan(0);
      const legacy = readJson(
        await router.executeWithFailover(
          testCall({
            requestId: 'o4',
            operation: 'ollama.embeddings',
            model: 'llama3',
            body: { model: 'llama3', prompt: 'a' },
          }),
        ),
      );
      expect((legacy.embedding as unknown[]).length).toBe(8);
      expect(ollama.requests.map((request) => request.path)).toEqual([
        '/api/generate',
        '/api/embed',
        '/api/embeddings',
      ]);
    });

    it('lists tags and describes models natively', async () => {
      expect((await router.listUpstreamModels('local')).map((model) => model.id)).toContain('llama3.1:8b');
      expect(await router.describeModel('llama3')).toMatchObject({ modelfile: '# fake' });
      expect(ollama.requests.at(-1)?.body).toEqual({ model: 'llama3.1:8b' });
      expect(await router.describeModel('gpt')).toMatchObject({ capabilities: ['completion'] });
    });
  });

  describe('OpenAI client, Ollama upstream', () => {
    it('translates a JSON chat both ways', async () => {
      const body = {
        model: 'llama3',
        messages: [
          { role: 'developer', content: 'be brief' },
          { role: 'user', content: 'hi' },
        ],
        max_tokens: 7,
        temperature: 0.2,
        response_format: { type: 'json_object' },
      };
      const reply = readJson(
        await router.executeWithFailover(
          testCall({ requestId: 'x1', operation: 'openai.chat', model: 'llama3', body }),
        ),
      );
      expect(reply).toMatchObject({
        object: 'chat.completion',
        model: 'llama3',
        choices: [{ message: { content: 'Hello from the fake upstream.' }, finish_reason: 'stop' }],
      });
      expect(reply.usage).toMatchObject({ completion_tokens: 5 });
      expect(ollama.requests[0]?.body).toMatchObject({
        model: 'llama3.1:8b',
        stream: false,
        format: 'json',
        options: { num_predict: 7, temperature: 0.2 },
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'hi' },
        ],
      });
    });

    it('translates a stream into SSE chunks ending in [DONE], with usage when asked', async () => {
      const body = {
        model: 'llama3',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      };
      const { text, audit } = await readStream(
        await router.executeWithFailover(
          testCall({ requestId: 'x2', operation: 'openai.chat', model: 'llama3', body }),
        ),
      );
      const events = sseData(text);
      expect(events.at(-1)).toBe('[DONE]');
      expect(events[0]).toMatchObject({ object: 'chat.completion.chunk', choices: [{ delta: { role: 'assistant' } }] });
      expect(events.at(-2)).toMatchObject({ choices: [], usage: { completion_tokens: 5 } });
      expect(audit.usage_estimated).toBe(false);
    });

    it('maps completions to /api/generate and base64 embeddings to /api/embed', async () => {
      const completion = readJson(
        await router.executeWithFailover(
          testCall({
            requestId: 'x3',
            operation: 'openai.completions',
            model: 'llama3',
            body: { model: 'llama3', prompt: 'once' },
          }),
        ),
      );
      expect(completion).toMatchObject({
        object: 'text_completion',
        choices: [{ text: 'Hello from the fake upstream.' }],
      });
      const embeddings = readJson(
        await router.executeWithFailover(
          testCall({
            requestId: 'x4',
            operation: 'openai.embeddings',
            model: 'llama3',
            body: { model: 'llama3', input: 'a', encoding_format: 'base64' },
          }),
        ),
      );
      const encoded = (embeddings.data as Array<{ embedding: string }>)[0]?.embedding ?? '';
      expect(Buffer.from(encoded, 'base64').byteLength).toBe(8 * 4);
      expect(ollama.requests.map((request) => request.path)).toEqual(['/api/generate', '/api/embed']);
    });
  });

  describe('Ollama client, OpenAI-compatible upstream', () => {
    it('translates a chat stream into NDJSON ending with done and counts', async () => {
      const body = { model: 'gpt', messages: [{ role: 'user', content: 'hi' }], options: { num_predict: 9 } };
      const { text, audit } = await readStream(
        await router.executeWithFailover(testCall({ requestId: 'y1', operation: 'ollama.chat', model: 'gpt', body })),
      );
      const lines = ndjson(text);
      expect(lines[0]).toMatchObject({ model: 'gpt', message: { role: 'assistant', content: 'Hello ' }, done: false });
      expect(lines.at(-1)).toMatchObject({ done: true, done_reason: 'stop', eval_count: 5 });
      expect(audit.outcome).toBe('ok');
      expect(openai.requests[0]?.body).toMatchObject({
        model: 'gpt-4o-mini',
        stream: true,
        max_tokens: 9,
        stream_options: { include_usage: true },
      });
    });

    it('serves generate through chat completions and embed through embeddings', async () => {
      const gen = readJson(
        await router.executeWithFailover(
          testCall({
            requestId: 'y2',
            operation: 'ollama.generate',
            model: 'gpt',
            body: { model: 'gpt', prompt: 'hi', system: 'sys', stream: false },
          }),
        ),
      );
      expect(gen).toMatchObject({ model: 'gpt', response: 'Hello from the fake upstream.', done: true });
      expect(openai.requests[0]?.body?.messages).toEqual([
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'hi' },
      ]);
      const embed = readJson(
        await router.executeWithFailover(
          testCall({
            requestId: 'y3',
            operation: 'ollama.embed',
            model: 'gpt',
            body: { model: 'gpt', input: ['a'] },
          }),
        ),
      );
      expect(embed).toMatchObject({ model: 'gpt', embeddings: [expect.any(Array)] });
      expect(openai.requests[1]?.path).toBe('/v1/embeddings');
    });

    it('ends a cut translated stream with an error line and no done line', async () => {
      openai.fail({ type: 'cut', afterChunks: 2 }, { times: 3 });
      const body = { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] };
      const { text, audit } = await readStream(
        await router.executeWithFailover(testCall({ requestId: 'y4', operation: 'ollama.chat', model: 'gpt', body })),
      );
      const lines = ndjson(text);
      expect(lines.some((line) => line.done === true)).toBe(false);
      expect(lines.at(-1)).toHaveProperty('error');
      expect(audit.truncated).toBe(true);
    });
  });
});

describe('azure-openai adapter', () => {
  let azure: FakeLlmUpstream;
  let router: LlmRouter;

  beforeAll(async () => {
    azure = await createFakeLlmUpstream();
    router = createLlmRouter({
      upstreams: [
        {
          id: 'az',
          provider: 'azure-openai',
          base_url: azure.origin,
          api_keys: ['azure-secret-key'],
          api_version: '2024-10-21',
        },
      ],
      models: [{ name: 'gpt', targets: [{ upstream: 'az', model: 'my-deployment' }] }],
    });
  });
  afterAll(async () => {
    await router.close();
    await azure.close();
  });

  it('calls the deployment URL with api-key and api-version', async () => {
    const body = { model: 'gpt', messages: [{ role: 'user', content: 'hi' }], stream: true };
    const { audit } = await readStream(
      await router.executeWithFailover(testCall({ requestId: 'z1', operation: 'openai.chat', model: 'gpt', body })),
    );
    expect(audit.outcome).toBe('ok');
    const seen = azure.requests[0];
    expect(seen?.path).toBe('/openai/deployments/my-deployment/chat/completions?api-version=2024-10-21');
    expect(seen?.headers['api-key']).toBe('azure-secret-key');
    expect(seen?.headers.authorization).toBeUndefined();
    await router.listUpstreamModels('az');
    expect(azure.requests[1]?.path).toBe('/openai/models?api-version=2024-10-21');
  });
});
