/**
 * Issue 3 "Bad input" and DESIGN §2 invariant 5: every malformed LLM request gets a catalog error in the OpenAI
 * shape, reaches no upstream, and is audited (invariant 2).
 */
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { type LlmTestGateway, startLlmGateway, twoUpstreamConfig } from './support.ts';

interface ErrorObject {
  code: string;
  type?: string;
  param?: string | null;
  message?: string;
}

describe('LLM bad input', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let key: string;

  async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
    const response = await request(`${gw.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const json = (await response.body.json()) as { error?: ErrorObject | string };
    const code = response.headers['x-gatehouse-error-code'];
    if (json.error === undefined)
      return { status: response.statusCode, error: { code: '' } as ErrorObject, message: '' };
    if (typeof json.error !== 'string') {
      expect(json.error.code).toBe(code);
      return { status: response.statusCode, error: json.error, message: json.error.message };
    }
    // Ollama's envelope (issue 13): the message only; the stable code is in the header.
    expect(path.startsWith('/api/')).toBe(true);
    return { status: response.statusCode, error: { code: String(code) } as ErrorObject, message: json.error };
  }

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({ file: twoUpstreamConfig(upstream.origin, upstream.origin) });
    key = await gw.createKey();
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });
  beforeEach(() => upstream.reset());

  const chat = (extra: Record<string, unknown>) => ({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hi' }],
    ...extra,
  });

  it.each([
    ['messages not an array', { model: 'gpt-4o-mini', messages: 'hi' }, 'messages'],
    ['no messages', { model: 'gpt-4o-mini' }, 'messages'],
    ['empty messages', chat({ messages: [] }), 'messages'],
    ['a message without role', chat({ messages: [{ content: 'hi' }] }), 'messages.0.role'],
    ['an unknown role', chat({ messages: [{ role: 'wizard', content: 'hi' }] }), 'messages.0.role'],
    ['n = 0', chat({ n: 0 }), 'n'],
    ['n too large', chat({ n: 1000 }), 'n'],
    ['max_tokens = 0', chat({ max_tokens: 0 }), 'max_tokens'],
    ['max_tokens as a string', chat({ max_tokens: '10' }), 'max_tokens'],
    ['a numeric model', chat({ model: 42 }), 'model'],
    ['temperature out of range', chat({ temperature: 9 }), 'temperature'],
  ])('rejects %s with 400 invalid_request naming the field', async (_name, body, param) => {
    const result = await post('/v1/chat/completions', body);
    expect(result.status).toBe(400);
    expect(result.error).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error', param });
    expect(upstream.requests).toHaveLength(0);
  });

  it('rejects a missing model with 400 (neither body nor header)', async () => {
    const result = await post('/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] });
    expect(result).toMatchObject({ status: 400, error: { code: 'invalid_request', param: 'model' } });
  });

  it('rejects non-JSON bodies with invalid_json', async () => {
    const result = await post('/v1/chat/completions', '{"model": ');
    expect(result).toMatchObject({ status: 400, error: { code: 'invalid_json' } });
  });

  it("answers 404 model_not_found in each family's envelope", async () => {
    expect(await post('/v1/chat/completions', chat({ model: 'gpt-9' }))).toMatchObject({
      status: 404,
      error: { code: 'model_not_found', type: 'invalid_request_error', param: 'model' },
    });
    expect(await post('/api/chat', { model: 'gpt-9', messages: [] })).toMatchObject({
      status: 404,
      error: { code: 'model_not_found' },
    });
  });

  it('validates the other bodies: embeddings input, ollama embed input, legacy prompt', async () => {
    expect((await post('/v1/embeddings', { model: 'embed' })).error.param).toBe('input');
    expect((await post('/v1/embeddings', { model: 'embed', input: 'x', encoding_format: 'hex' })).status).toBe(400);
    expect((await post('/v1/completions', { model: 'gpt-4o-mini' })).error.param).toBe('prompt');
    expect((await post('/api/embed', { model: 'llama3', input: [] })).status).toBe(400);
    expect(await post('/api/embeddings', { model: 'llama3' })).toMatchObject({
      status: 400,
      error: { code: 'invalid_request' },
      message: expect.stringContaining('prompt'),
    });
    expect(await post('/api/chat', { model: 'llama3', stream: 'yes' })).toMatchObject({
      status: 400,
      message: expect.stringContaining('stream'),
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it('keeps unknown fields and passes them through untouched', async () => {
    const result = await post('/v1/chat/completions', chat({ seed: 7, logit_bias: { '50256': -100 }, x_custom: [1] }));
    expect(result.status).toBe(200);
    expect(upstream.requests[0]?.body).toMatchObject({ seed: 7, logit_bias: { '50256': -100 }, x_custom: [1] });
  });

  it('refuses every Ollama model-management endpoint: 401 without a key, 403 with one, any method', async () => {
    for (const [method, path] of [
      ['POST', '/api/pull'],
      ['POST', '/api/push'],
      ['POST', '/api/create'],
      ['POST', '/api/copy'],
      ['DELETE', '/api/delete'],
      ['POST', '/api/blobs/sha256:abc'],
      ['HEAD', '/api/blobs/sha256:abc'],
    ] as const) {
      const anonymous = await request(`${gw.baseUrl}${path}`, { method });
      await anonymous.body.dump();
      expect(anonymous.statusCode).toBe(401);
      const keyed = await request(`${gw.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' },
        body: method === 'HEAD' ? undefined : Buffer.alloc(1024),
      });
      const text = await keyed.body.text();
      expect(keyed.statusCode).toBe(403);
      expect(keyed.headers['x-gatehouse-error-code']).toBe('ollama_endpoint_blocked');
      if (method !== 'HEAD') expect(JSON.parse(text).error).toMatch(/\/api\//);
    }
    const events = await gw.auditEvents();
    expect(events.filter((event) => event.surface === 'ollama.blocked.blobs')).toHaveLength(4);
    expect(upstream.requests).toHaveLength(0);
  });

  it('audits every rejected request exactly once with its error code', async () => {
    const before = (await gw.auditEvents()).length;
    await post('/v1/chat/completions', chat({ n: 0 }));
    await post('/v1/chat/completions', chat({ model: 'gpt-9' }));
    const events = (await gw.auditEvents()).slice(before);
    expect(events.map((event) => [event.status, event.error_code])).toEqual([
      [400, 'invalid_request'],
      [404, 'model_not_found'],
    ]);
  });
});
