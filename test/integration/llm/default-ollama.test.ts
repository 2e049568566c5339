/**
 * Issue 3: with no `upstreams` in the config, the gateway serves a local Ollama's models under their own names
 * (discovered via /api/tags); without one, /readyz says so and model calls fail clearly.
 */
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { type LlmTestGateway, startLlmGateway } from './support.ts';

describe('no-config default: a local Ollama', () => {
  let ollamaServer: FakeLlmUpstream;
  let gw: LlmTestGateway;

  beforeAll(async () => {
    ollamaServer = await createFakeLlmUpstream();
    ollamaServer.models = ['llama3.1:8b', 'qwen2.5:latest'];
    gw = await startLlmGateway({ llm: { defaultOllamaUrl: ollamaServer.origin, rediscoverMinMs: 0 } });
  });
  afterAll(async () => {
    await gw?.dispose();
    await ollamaServer?.close();
  });

  it('exposes the discovered models by their own names, to both client families', async () => {
    const key = await gw.createKey();
    const openai = new OpenAI({ baseURL: `${gw.baseUrl}/v1`, apiKey: key, maxRetries: 0 });
    expect((await openai.models.list()).data.map((model) => model.id)).toEqual(['llama3.1:8b', 'qwen2.5:latest']);
    const reply = await openai.chat.completions.create({
      model: 'llama3.1:8b',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(reply.choices[0]?.message.content).toBe('Hello from the fake upstream.');
    const ollama = new Ollama({ host: gw.baseUrl, headers: { authorization: `Bearer ${key}` } });
    // Ollama's own name resolution: no tag means `:latest`.
    const chat = await ollama.chat({ model: 'qwen2.5', messages: [{ role: 'user', content: 'hi' }], stream: false });
    expect(chat.message.content).toBe('Hello from the fake upstream.');
    expect(ollamaServer.requests.at(-1)?.body?.model).toBe('qwen2.5:latest');
  });

  it('picks up a model pulled after startup on first use', async () => {
    ollamaServer.models = [...ollamaServer.models, 'phi4:latest'];
    const key = await gw.createKey();
    const response = await request(`${gw.baseUrl}/api/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'phi4:latest', prompt: 'hi', stream: false }),
    });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
  });

  it('reports the local Ollama on /readyz', async () => {
    const response = await request(`${gw.baseUrl}/readyz`);
    const body = (await response.body.json()) as { checks: Record<string, { ok: boolean }> };
    expect(response.statusCode).toBe(200);
    expect(body.checks['llm.upstream.ollama']).toMatchObject({ ok: true, required: false });
    expect(body.checks.llm).toMatchObject({ ok: true });
  });
});

describe('no-config default without a local Ollama', () => {
  let gw: LlmTestGateway;
  let deadUrl: string;

  beforeAll(async () => {
    const gone = await createFakeLlmUpstream();
    deadUrl = gone.origin;
    await gone.close();
    gw = await startLlmGateway({ llm: { defaultOllamaUrl: deadUrl } });
  });
  afterAll(async () => {
    await gw?.dispose();
  });

  it('stays ready (nothing is configured) but reports the missing Ollama', async () => {
    const response = await request(`${gw.baseUrl}/readyz`);
    const body = (await response.body.json()) as { checks: Record<string, { ok: boolean; reason?: string }> };
    expect(response.statusCode).toBe(200);
    expect(body.checks.llm?.ok).toBe(false);
    expect(body.checks.llm?.reason).toContain(deadUrl);
  });

  it('answers a model call with 502 naming the unreachable Ollama', async () => {
    const response = await request(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await gw.createKey()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = (await response.body.json()) as { error: { code: string; message: string } };
    expect(response.statusCode).toBe(502);
    expect(body.error.code).toBe('upstream_unavailable');
    expect(body.error.message).toContain('local Ollama');
  });
});
