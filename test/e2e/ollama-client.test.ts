/**
 * Issue 3 "Done when": the real `ollama` npm client, with `host` set to Gatehouse and the key as a bearer token,
 * works unchanged against Ollama-native and OpenAI-compatible upstreams, streaming and not.
 */
import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../helpers/fake-llm-upstream.ts';
import { type LlmTestGateway, startLlmGateway, twoUpstreamConfig } from '../integration/llm/support.ts';

describe('ollama npm client against Gatehouse', () => {
  let primary: FakeLlmUpstream;
  let secondary: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let ollama: Ollama;

  beforeAll(async () => {
    primary = await createFakeLlmUpstream();
    secondary = await createFakeLlmUpstream();
    gw = await startLlmGateway({ file: twoUpstreamConfig(primary.origin, secondary.origin) });
    ollama = new Ollama({ host: gw.baseUrl, headers: { authorization: `Bearer ${await gw.createKey()}` } });
  });
  afterAll(async () => {
    await gw?.dispose();
    await primary?.close();
    await secondary?.close();
  });

  it('chats with a native upstream, without and with streaming', async () => {
    const reply = await ollama.chat({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }], stream: false });
    expect(reply.message.content).toBe('Hello from the fake upstream.');
    expect(reply.done).toBe(true);
    const stream = await ollama.chat({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    let done = false;
    for await (const part of stream) {
      text += part.message.content;
      done ||= part.done;
    }
    expect(text).toBe('Hello from the fake upstream.');
    expect(done).toBe(true);
    const event = (await gw.auditEvents()).filter((e) => e.surface === 'ollama.chat').at(-1);
    expect(event?.usage?.completion_tokens).toBeGreaterThan(0);
    expect(event?.upstream?.id).toBe('native');
  });

  it('reads the public model name the client asked for, never the upstream name (issue 13)', async () => {
    // `llama3` is served by llama3.1:8b on the native upstream, `backup` by gpt-4o-mini on the OpenAI one.
    const messages = [{ role: 'user', content: 'hi' }];
    expect((await ollama.chat({ model: 'llama3', messages })).model).toBe('llama3');
    const names = new Set<string>();
    for await (const part of await ollama.chat({ model: 'llama3', messages, stream: true })) names.add(part.model);
    for await (const part of await ollama.generate({ model: 'llama3', prompt: 'hi', stream: true })) {
      names.add(part.model);
    }
    expect([...names]).toEqual(['llama3']);
    expect((await ollama.chat({ model: 'backup', messages })).model).toBe('backup');
    expect((await ollama.embed({ model: 'llama3', input: 'a' })).model).toBe('llama3');
    const event = (await gw.auditEvents()).filter((e) => e.surface === 'ollama.embed').at(-1);
    expect(event?.upstream?.target).toBe('llama3.1:8b');
  });

  it('chats with an OpenAI-compatible upstream, translated both ways', async () => {
    const reply = await ollama.chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(reply.message.content).toBe('Hello from the fake upstream.');
    expect(primary.requests.at(-1)?.path).toBe('/v1/chat/completions');
    const stream = await ollama.chat({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    let last: { done: boolean; eval_count?: number } | null = null;
    for await (const part of stream) {
      text += part.message.content;
      last = part;
    }
    expect(text).toBe('Hello from the fake upstream.');
    expect(last?.done).toBe(true);
  });

  it('generates, without and with streaming', async () => {
    const reply = await ollama.generate({ model: 'llama3', prompt: 'hi', stream: false });
    expect(reply.response).toBe('Hello from the fake upstream.');
    const stream = await ollama.generate({ model: 'gpt-4o-mini', prompt: 'hi', stream: true });
    let text = '';
    for await (const part of stream) text += part.response;
    expect(text).toBe('Hello from the fake upstream.');
  });

  it('embeds with /api/embed and /api/embeddings', async () => {
    const batch = await ollama.embed({ model: 'llama3', input: ['a', 'b'] });
    expect(batch.embeddings).toHaveLength(2);
    const translated = await ollama.embed({ model: 'embed', input: 'a' });
    expect(translated.embeddings).toHaveLength(1);
    const legacy = await ollama.embeddings({ model: 'llama3', prompt: 'a' });
    expect(legacy.embedding.length).toBe(8);
  });

  it('lists, shows and reports models the key may use; answers version', async () => {
    const tags = await ollama.list();
    expect(tags.models.map((model) => model.name).sort()).toEqual([
      'backup',
      'embed',
      'gpt-4o-mini',
      'llama3',
      'short',
    ]);
    const limited = new Ollama({
      host: gw.baseUrl,
      headers: { authorization: `Bearer ${await gw.createKey(['llama*'])}` },
    });
    expect((await limited.list()).models.map((model) => model.name)).toEqual(['llama3']);
    expect((await limited.ps()).models.map((model) => model.name)).toEqual(['llama3']);
    const shown = await limited.show({ model: 'llama3' });
    expect(shown.template).toBe('{{ .Prompt }}');
    await expect(limited.show({ model: 'gpt-4o-mini' })).rejects.toMatchObject({ status_code: 403 });
    expect((await ollama.version()).version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('refuses model management with 403, after authentication, and audits it', async () => {
    await expect(ollama.pull({ model: 'llama3' })).rejects.toMatchObject({ status_code: 403 });
    await expect(ollama.delete({ model: 'llama3' })).rejects.toMatchObject({ status_code: 403 });
    await expect(ollama.copy({ source: 'llama3', destination: 'x' })).rejects.toMatchObject({ status_code: 403 });
    const events = (await gw.auditEvents()).filter((event) => event.surface.startsWith('ollama.blocked.'));
    expect(events.map((event) => [event.surface, event.status, event.error_code])).toEqual([
      ['ollama.blocked.pull', 403, 'ollama_endpoint_blocked'],
      ['ollama.blocked.delete', 403, 'ollama_endpoint_blocked'],
      ['ollama.blocked.copy', 403, 'ollama_endpoint_blocked'],
    ]);
  });

  // Issue 13: the client reads `error` as a string; the OpenAI-style object showed as `ResponseError: [object Object]`.
  it("reads every refusal as a message in Ollama's envelope, the stable code in a header", async () => {
    const unknownModel = await ollama
      .chat({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(unknownModel).toMatchObject({ name: 'ResponseError', status_code: 404 });
    const message = (unknownModel as Error).message;
    expect(message).not.toContain('[object Object]');
    expect(message).toContain('no-such-model');
    const anonymous = new Ollama({ host: gw.baseUrl });
    const refused = await anonymous.list().then(
      () => null,
      (error: unknown) => error as Error,
    );
    expect(refused?.message).toMatch(/key/i);
    expect(refused?.message).not.toContain('[object Object]');
    const raw = await fetch(`${gw.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await gw.createKey()}`, 'content-type': 'application/json' },
      body: '{"model":',
    });
    expect(raw.status).toBe(400);
    expect(raw.headers.get('x-gatehouse-error-code')).toBe('invalid_json');
    const body = (await raw.json()) as unknown;
    expect(body).toEqual({ error: expect.any(String) });
    // The other dialects keep the OpenAI-style envelope, with the same header.
    const openai = await fetch(`${gw.baseUrl}/v1/models`);
    expect(openai.headers.get('x-gatehouse-error-code')).toBe('missing_api_key');
    expect(await openai.json()).toMatchObject({ error: { code: 'missing_api_key', type: 'authentication_error' } });
  });
});
