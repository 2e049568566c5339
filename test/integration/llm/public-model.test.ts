/**
 * Issue 13: the `model` a client reads is the public name it asked for, on every dialect, JSON and streamed,
 * passthrough and translated, while the upstream's own name is in the audit event (`upstream.target`). The fake
 * upstream reports dated snapshot names (as OpenAI and Anthropic do for an alias) and, in the split runs, cuts
 * every streamed write inside its `"model"` member.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { type LlmTestGateway, startLlmGateway } from './support.ts';

const SNAPSHOT = '-2026-01-01';

describe('the public model name in every reply', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let key: string;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    const origin = upstream.origin;
    gw = await startLlmGateway({
      file: {
        upstreams: [
          { id: 'chat', provider: 'openai', base_url: `${origin}/v1` },
          { id: 'responses', provider: 'openai', base_url: `${origin}/v1`, responses_api: true },
          { id: 'ollama', provider: 'ollama', base_url: origin },
          { id: 'claude', provider: 'anthropic', base_url: origin },
        ],
        models: [
          { name: 'house-chat', targets: [{ upstream: 'chat', model: 'gpt-4o-mini' }] },
          { name: 'house-responses', targets: [{ upstream: 'responses', model: 'gpt-4o-mini' }] },
          { name: 'llama3', targets: [{ upstream: 'ollama', model: 'llama3.1:8b' }] },
          { name: 'house-claude', targets: [{ upstream: 'claude', model: 'claude-haiku-4-5' }] },
          { name: 'house-embed', targets: [{ upstream: 'chat', model: 'text-embedding-3-small' }] },
          // Same name on both sides: the upstream's snapshot name must still not reach the client.
          { name: 'gpt-4o-mini', targets: [{ upstream: 'chat', model: 'gpt-4o-mini' }] },
        ],
      },
    });
    key = await gw.createKey();
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });

  async function call(path: string, body: Record<string, unknown>) {
    const response = await request(`${gw.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      },
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
  const anthropic = { max_tokens: 50, messages };
  const cases: Array<[string, string, Record<string, unknown>, string]> = [
    ['chat, passthrough', '/v1/chat/completions', { model: 'house-chat', messages }, 'gpt-4o-mini'],
    ['chat, same name', '/v1/chat/completions', { model: 'gpt-4o-mini', messages }, 'gpt-4o-mini'],
    ['chat to Ollama', '/v1/chat/completions', { model: 'llama3', messages }, 'llama3.1:8b'],
    ['chat to Anthropic', '/v1/chat/completions', { model: 'house-claude', messages }, 'claude-haiku-4-5'],
    ['completions, passthrough', '/v1/completions', { model: 'house-chat', prompt: 'hi' }, 'gpt-4o-mini'],
    ['completions to Ollama', '/v1/completions', { model: 'llama3', prompt: 'hi' }, 'llama3.1:8b'],
    ['Ollama chat, passthrough', '/api/chat', { model: 'llama3', messages }, 'llama3.1:8b'],
    ['Ollama generate, passthrough', '/api/generate', { model: 'llama3', prompt: 'hi' }, 'llama3.1:8b'],
    ['Ollama chat to OpenAI', '/api/chat', { model: 'house-chat', messages }, 'gpt-4o-mini'],
    ['Ollama chat to Anthropic', '/api/chat', { model: 'house-claude', messages }, 'claude-haiku-4-5'],
    ['Responses, passthrough', '/v1/responses', { model: 'house-responses', input: 'hi' }, 'gpt-4o-mini'],
    ['Responses to chat', '/v1/responses', { model: 'house-chat', input: 'hi' }, 'gpt-4o-mini'],
    ['Responses to Anthropic', '/v1/responses', { model: 'house-claude', input: 'hi' }, 'claude-haiku-4-5'],
    ['Messages, passthrough', '/v1/messages', { model: 'house-claude', ...anthropic }, 'claude-haiku-4-5'],
    ['Messages to chat', '/v1/messages', { model: 'house-chat', ...anthropic }, 'gpt-4o-mini'],
    ['Messages to Ollama', '/v1/messages', { model: 'llama3', ...anthropic }, 'llama3.1:8b'],
  ];
  const ollama = (path: string) => path.startsWith('/api/');

  describe.each([
    ['JSON', false, false],
    ['stream', true, false],
    ['stream, writes cut inside the name', true, true],
  ])('%s', (_mode, stream, split) => {
    it.each(cases)(
      '%s: the reply names the public model, the audit the upstream one',
      async (_n, path, body, target) => {
        upstream.reset();
        upstream.reportModel = (asked) => `${asked}${SNAPSHOT}`;
        upstream.splitInModel = split;
        const { requestId, text } = await call(path, { ...body, stream: ollama(path) ? stream : stream || undefined });
        const models = modelsIn(text);
        expect(models.length).toBeGreaterThan(0);
        expect(new Set(models)).toEqual(new Set([body.model]));
        expect(upstream.requests.at(-1)?.body?.model).toBe(target);
        const event = await gw.auditEventFor(requestId);
        expect(event?.upstream?.target).toBe(target);
      },
    );
  });

  it.each([
    ['OpenAI embeddings, passthrough', '/v1/embeddings', { model: 'house-embed', input: ['a', 'b'] }],
    ['OpenAI embeddings to Ollama', '/v1/embeddings', { model: 'llama3', input: 'a' }],
    ['Ollama embed, passthrough', '/api/embed', { model: 'llama3', input: ['a', 'b'] }],
    ['Ollama embed to OpenAI', '/api/embed', { model: 'house-embed', input: 'a' }],
  ])('%s names the public model', async (_name, path, body) => {
    upstream.reset();
    upstream.reportModel = (asked) => `${asked}${SNAPSHOT}`;
    const { text } = await call(path, body);
    expect(JSON.parse(text).model).toBe(body.model);
  });

  it('renames a large embeddings reply (read without a full parse) in its bytes, vectors untouched', async () => {
    upstream.reset();
    upstream.reportModel = (asked) => `${asked}${SNAPSHOT}`;
    const input = Array.from({ length: 64 }, (_, i) => `text ${i}`);
    const { text } = await call('/v1/embeddings', { model: 'house-embed', input, dimensions: 256 });
    expect(text.length).toBeGreaterThan(64 * 1024);
    const reply = JSON.parse(text);
    expect(reply.model).toBe('house-embed');
    expect(reply.data).toHaveLength(64);
  });
});
