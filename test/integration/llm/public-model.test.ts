/**
 * Issue 13: the `model` a client reads is the public name it asked for, on every dialect, JSON and streamed, while
 * the upstream's own name (`llama3.1:8b` behind `llama3`, `gpt-4o-mini` behind `backup`) is in the audit event.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { type LlmTestGateway, startLlmGateway, twoUpstreamConfig } from './support.ts';

describe('the public model name in every reply', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let key: string;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({ file: twoUpstreamConfig(upstream.origin, upstream.origin) });
    key = await gw.createKey();
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });

  async function call(path: string, body: Record<string, unknown>) {
    const response = await request(`${gw.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.body.text();
    expect(response.statusCode, text).toBe(200);
    return { requestId: response.headers['x-gatehouse-request-id'] as string, text };
  }

  /** Every `model` value in a JSON reply, an SSE stream or an NDJSON stream, at any depth. */
  function modelsIn(text: string): string[] {
    const found: string[] = [];
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(visit);
      else if (typeof value === 'object' && value !== null) {
        for (const [name, inner] of Object.entries(value)) {
          if (name === 'model' && typeof inner === 'string') found.push(inner);
          else visit(inner);
        }
      }
    };
    for (const line of text.split('\n')) {
      const json = line.startsWith('data: ') ? line.slice(6) : line;
      if (!json.startsWith('{')) continue;
      visit(JSON.parse(json));
    }
    return found;
  }

  const messages = [{ role: 'user', content: 'hi' }];
  it.each([
    ['chat JSON (alias to another name)', '/v1/chat/completions', { model: 'backup', messages }, 'gpt-4o-mini'],
    ['chat stream', '/v1/chat/completions', { model: 'backup', messages, stream: true }, 'gpt-4o-mini'],
    ['chat translated to Ollama, JSON', '/v1/chat/completions', { model: 'llama3', messages }, 'llama3.1:8b'],
    [
      'chat translated to Ollama, stream',
      '/v1/chat/completions',
      { model: 'llama3', messages, stream: true },
      'llama3.1:8b',
    ],
    ['Ollama chat JSON', '/api/chat', { model: 'llama3', messages, stream: false }, 'llama3.1:8b'],
    ['Ollama chat stream', '/api/chat', { model: 'llama3', messages }, 'llama3.1:8b'],
    ['Ollama generate stream', '/api/generate', { model: 'llama3', prompt: 'hi' }, 'llama3.1:8b'],
    ['Responses JSON', '/v1/responses', { model: 'backup', input: 'hi' }, 'gpt-4o-mini'],
    ['Responses stream', '/v1/responses', { model: 'backup', input: 'hi', stream: true }, 'gpt-4o-mini'],
  ])('%s: the reply names the public model, the audit the upstream one', async (_name, path, body, target) => {
    const { requestId, text } = await call(path, body);
    const models = modelsIn(text);
    expect(models.length).toBeGreaterThan(0);
    expect(new Set(models)).toEqual(new Set([body.model]));
    const event = await gw.auditEventFor(requestId);
    expect(event?.upstream?.target).toBe(target);
  });
});
