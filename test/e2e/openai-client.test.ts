/**
 * Issue 3 "Done when": the real `openai` npm client, pointed at Gatehouse with `baseURL`, works unchanged against
 * OpenAI-compatible and Ollama-native upstreams (fake servers on loopback), streaming and not.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../helpers/fake-llm-upstream.ts';
import { type LlmTestGateway, startLlmGateway, twoUpstreamConfig } from '../integration/llm/support.ts';

describe('openai npm client against Gatehouse', () => {
  let primary: FakeLlmUpstream;
  let secondary: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    primary = await createFakeLlmUpstream();
    secondary = await createFakeLlmUpstream();
    gw = await startLlmGateway({ file: twoUpstreamConfig(primary.origin, secondary.origin) });
    client = new OpenAI({ baseURL: `${gw.baseUrl}/v1`, apiKey: await gw.createKey(), maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.dispose();
    await primary?.close();
    await secondary?.close();
  });

  it('creates a chat completion and reports usage, request id and gateway overhead', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 20 })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('Hello from the fake upstream.');
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-gatehouse-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(response.headers.get('x-gatehouse-overhead-ms'))).toBeGreaterThanOrEqual(0);
    const event = await gw.auditEventFor(response.headers.get('x-gatehouse-request-id') as string);
    expect(event?.upstream).toEqual({ id: 'primary', target: 'gpt-4o-mini', attempts: 1 });
    expect(event?.usage?.total_tokens).toBe(data.usage?.total_tokens);
    expect(event?.meta).toMatchObject({ model: 'gpt-4o-mini', stream: false, truncated: false });
  });

  it('streams a chat completion; the usage chunk only when asked for, always recorded', async () => {
    const plain = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    const usages: unknown[] = [];
    for await (const chunk of plain) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usages.push(chunk.usage);
    }
    expect(text).toBe('Hello from the fake upstream.');
    expect(usages).toEqual([]);
    // The gateway asked the upstream for usage anyway.
    expect(primary.requests.at(-1)?.body?.stream_options).toEqual({ include_usage: true });

    const withUsage = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const seen: number[] = [];
    for await (const chunk of withUsage) if (chunk.usage) seen.push(chunk.usage.total_tokens);
    expect(seen).toHaveLength(1);
    const streamed = (await gw.auditEvents()).filter((event) => event.meta.stream === true);
    expect(streamed.length).toBeGreaterThanOrEqual(2);
    for (const event of streamed) expect(event.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('serves chat from an Ollama-native upstream, translated, streaming and not', async () => {
    const json = await client.chat.completions.create({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }] });
    expect(json.choices[0]?.message.content).toBe('Hello from the fake upstream.');
    expect(primary.requests.at(-1)?.path).toBe('/api/chat');
    const stream = await client.chat.completions.create({
      model: 'llama3',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from the fake upstream.');
  });

  it('reads the public model name the client asked for, never the upstream name (issue 13)', async () => {
    // `backup` is served by gpt-4o-mini, which the upstream reports as a dated snapshot, as OpenAI does.
    secondary.reportModel = (asked) => `${asked}-2024-07-18`;
    primary.reportModel = (asked) => `${asked}-2024-07-18`;
    try {
      const messages = [{ role: 'user' as const, content: 'hi' }];
      expect((await client.chat.completions.create({ model: 'backup', messages })).model).toBe('backup');
      const models = new Set<string>();
      for await (const chunk of await client.chat.completions.create({ model: 'backup', messages, stream: true })) {
        models.add(chunk.model);
      }
      expect([...models]).toEqual(['backup']);
      expect((await client.completions.create({ model: 'backup', prompt: 'hi' })).model).toBe('backup');
      expect((await client.embeddings.create({ model: 'embed', input: 'a' })).model).toBe('embed');
      expect((await client.responses.create({ model: 'backup', input: 'hi' })).model).toBe('backup');
      for await (const event of await client.responses.create({ model: 'backup', input: 'hi', stream: true })) {
        if ('response' in event) expect(event.response.model).toBe('backup');
      }
    } finally {
      secondary.reportModel = null;
      primary.reportModel = null;
    }
  });

  it('creates legacy completions, streaming and not', async () => {
    const json = await client.completions.create({ model: 'gpt-4o-mini', prompt: 'Say hi' });
    expect(json.choices[0]?.text).toBe('Hello from the fake upstream.');
    const stream = await client.completions.create({ model: 'gpt-4o-mini', prompt: 'Say hi', stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe('Hello from the fake upstream.');
  });

  it('creates embeddings as floats and as base64', async () => {
    const floats = await client.embeddings.create({ model: 'embed', input: ['a', 'b'], encoding_format: 'float' });
    expect(floats.data).toHaveLength(2);
    expect(floats.data[0]?.embedding.length).toBe(8);
    // The SDK asks for base64 by default and decodes it back to floats.
    const decoded = await client.embeddings.create({ model: 'embed', input: 'a' });
    expect(decoded.data[0]?.embedding).toEqual(floats.data[0]?.embedding.map((x) => Math.fround(x)));
    expect(primary.requests.at(-1)?.body?.encoding_format).toBe('base64');
  });

  it('lists and retrieves only the models the key may use', async () => {
    const all = await client.models.list();
    expect(all.data.map((model) => model.id).sort()).toEqual(['backup', 'embed', 'gpt-4o-mini', 'llama3', 'short']);
    const limited = new OpenAI({ baseURL: `${gw.baseUrl}/v1`, apiKey: await gw.createKey(['gpt-4o*']), maxRetries: 0 });
    expect((await limited.models.list()).data.map((model) => model.id)).toEqual(['gpt-4o-mini']);
    expect((await limited.models.retrieve('gpt-4o-mini')).id).toBe('gpt-4o-mini');
    await expect(limited.models.retrieve('llama3')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('maps an unknown model to 404 model_not_found and a forbidden one to 403 model_not_allowed', async () => {
    const unknown = await client.chat.completions
      .create({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
    const limited = new OpenAI({ baseURL: `${gw.baseUrl}/v1`, apiKey: await gw.createKey(['llama3']), maxRetries: 0 });
    const denied = await limited.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(denied).toMatchObject({ status: 403, code: 'model_not_allowed' });
  });

  it('lets the x-gatehouse-model header override the body model', async () => {
    const routed = new OpenAI({
      baseURL: `${gw.baseUrl}/v1`,
      apiKey: await gw.createKey(),
      defaultHeaders: { 'x-gatehouse-model': 'backup' },
      maxRetries: 0,
    });
    secondary.reset();
    await routed.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(secondary.requests).toHaveLength(1);
  });
});
