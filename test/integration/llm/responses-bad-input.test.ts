/**
 * Issue 13 "Bad input" on the Responses surface: each malformed or unservable request gets a clear error in the
 * OpenAI envelope, reaches no upstream, admits nothing (the key's one request a minute is still there after
 * them all) and is audited exactly once. A broken upstream ends a stream with `response.failed` and `error`,
 * never a fake success.
 */
import OpenAI, { APIError } from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { eventually } from '../../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from './support.ts';

const BODY_LIMIT = 64 * 1024;

describe('Responses API bad input', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({
      env: { GATEHOUSE_BODY_LIMIT: String(BODY_LIMIT) },
      file: {
        upstreams: [
          { id: 'native', provider: 'openai', base_url: `${upstream.origin}/v1`, responses_api: true },
          { id: 'chat', provider: 'openai', base_url: `${upstream.origin}/v1` },
        ],
        models: [
          { name: 'native', targets: [{ upstream: 'native', model: 'gpt-5-mini' }], idle_timeout: '300ms' },
          { name: 'chat', targets: [{ upstream: 'chat', model: 'gpt-4o-mini' }], idle_timeout: '300ms', retries: 0 },
          { name: 'mixed', targets: [{ upstream: 'native', model: 'a' }], fallbacks: ['chat'] },
          { name: 'secret', targets: [{ upstream: 'chat', model: 'gpt-4o' }] },
        ],
        prices: { native: { input: 100, output: 100 }, chat: { input: 0.01, output: 0.01 } },
      },
    });
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });
  beforeEach(() => upstream.reset());

  async function send(key: string, method: 'POST' | 'GET', path: string, body?: unknown) {
    const response = await request(`${gw.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const json = (await response.body.json()) as { error: { code: string; type: string; param: string | null } };
    return {
      status: response.statusCode,
      error: json.error,
      requestId: String(response.headers['x-gatehouse-request-id']),
    };
  }

  const orphanOutput = { type: 'function_call_output', call_id: 'call_missing', output: 'x' };
  const cases: Array<[string, 'POST' | 'GET', string, unknown, number, string, string | null]> = [
    ['malformed JSON', 'POST', '/v1/responses', '{"model": "chat", "input": ', 400, 'invalid_json', null],
    ['input of the wrong type', 'POST', '/v1/responses', { model: 'chat', input: 42 }, 400, 'invalid_request', 'input'],
    [
      'a message with an unknown role',
      'POST',
      '/v1/responses',
      { model: 'chat', input: [{ role: 'robot', content: 'x' }] },
      400,
      'invalid_request',
      'input.0.role',
    ],
    [
      'a function_call_output without its call',
      'POST',
      '/v1/responses',
      { model: 'chat', input: [orphanOutput] },
      400,
      'invalid_request',
      'input.0.call_id',
    ],
    [
      'max_output_tokens = 0',
      'POST',
      '/v1/responses',
      { model: 'chat', input: 'hi', max_output_tokens: 0 },
      400,
      'invalid_request',
      'max_output_tokens',
    ],
    ['no model', 'POST', '/v1/responses', { input: 'hi' }, 400, 'invalid_request', 'model'],
    ['an unknown model', 'POST', '/v1/responses', { model: 'nope', input: 'hi' }, 404, 'model_not_found', 'model'],
    [
      'a model the key may not use',
      'POST',
      '/v1/responses',
      { model: 'secret', input: 'hi' },
      403,
      'model_not_allowed',
      'model',
    ],
    [
      'an oversized body',
      'POST',
      '/v1/responses',
      { model: 'chat', input: 'x'.repeat(BODY_LIMIT) },
      413,
      'body_too_large',
      null,
    ],
    [
      'previous_response_id on a translated upstream',
      'POST',
      '/v1/responses',
      { model: 'chat', input: 'hi', previous_response_id: 'resp_1' },
      400,
      'feature_needs_native_upstream',
      null,
    ],
    [
      'previous_response_id with a translated fallback',
      'POST',
      '/v1/responses',
      { model: 'mixed', input: 'hi', previous_response_id: 'resp_1' },
      400,
      'feature_needs_native_upstream',
      null,
    ],
    [
      'a hosted tool forced on a translated upstream',
      'POST',
      '/v1/responses',
      { model: 'chat', input: 'hi', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } },
      400,
      'feature_needs_native_upstream',
      null,
    ],
    [
      'compact on a translated upstream',
      'POST',
      '/v1/responses/compact',
      { model: 'chat', input: 'hi' },
      400,
      'feature_needs_native_upstream',
      null,
    ],
    ['retrieving a response', 'GET', '/v1/responses/resp_123', undefined, 404, 'response_not_stored', null],
  ];

  it('answers each with its catalog error, reaches no upstream, admits nothing and audits once', async () => {
    const key = await gw.createKey(['native', 'chat', 'mixed', 'nope'], { limits: { rpm: 1 } });
    for (const [name, method, path, body, status, code, param] of cases) {
      const reply = await send(key, method, path, body);
      expect({ name, status: reply.status, code: reply.error.code }).toEqual({ name, status, code });
      expect(reply.error.type).toMatch(/_error$/);
      if (param !== null) expect(reply.error.param).toBe(param);
      const events = await eventually(async () => {
        const found = (await gw.auditEvents()).filter((event) => event.request_id === reply.requestId);
        return found.length > 0 ? found : undefined;
      });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ status, error_code: code });
    }
    expect(upstream.requests).toHaveLength(0);
    // Nothing above took the key's one request a minute.
    const ok = await send(key, 'POST', '/v1/responses', { model: 'chat', input: 'hi', store: false });
    expect(ok.status).toBe(200);
    const limited = await send(key, 'POST', '/v1/responses', { model: 'chat', input: 'hi', store: false });
    expect(limited).toMatchObject({ status: 429, error: { code: 'rate_limit_exceeded' } });
  });

  it('names the limitation in the error message', async () => {
    const key = await gw.createKey();
    const reply = await request(`${gw.baseUrl}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', input: 'hi', previous_response_id: 'resp_1' }),
    });
    const { error } = (await reply.body.json()) as { error: { message: string } };
    expect(error.message).toContain('previous_response_id needs an upstream that serves /v1/responses');
    expect(error.message).toContain('model chat');
  });

  it('passes previous_response_id through to an upstream that keeps responses', async () => {
    const key = await gw.createKey();
    const reply = await send(key, 'POST', '/v1/responses', {
      model: 'native',
      input: 'more',
      previous_response_id: 'resp_1',
    });
    expect(reply.status).toBe(200);
    expect(upstream.requests.at(-1)?.body).toMatchObject({ previous_response_id: 'resp_1', model: 'gpt-5-mini' });
  });

  it('limits, prices and audits the model x-gatehouse-model names, as on chat', async () => {
    const key = await gw.createKey(undefined, { limits: { models: { native: { rpm: 1 } } } });
    const statuses: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await request(`${gw.baseUrl}/v1/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-gatehouse-model': 'native' },
        body: JSON.stringify({ model: 'chat', input: 'hi', store: false }),
      });
      await response.body.dump();
      statuses.push(response.statusCode);
      ids.push(String(response.headers['x-gatehouse-request-id']));
    }
    expect(statuses).toEqual([200, 429]);
    expect(upstream.requests.map((seen) => seen.path)).toEqual(['/v1/responses']);
    const event = await eventually(() => gw.auditEventFor(ids[0] as string));
    expect(event.meta).toMatchObject({ model: 'native' });
    // 100 USD per million tokens: even a short exchange costs more than the chat model's rate could.
    expect(event.usage?.cost_usd).toBeGreaterThan(0.0001);
  });

  it('fails over from a Responses upstream to a translated one within a call', async () => {
    const client = new OpenAI({ baseURL: `${gw.baseUrl}/v1`, apiKey: await gw.createKey(), maxRetries: 0 });
    upstream.fail({ type: 'status', status: 503 }, { times: 10, when: (seen) => seen.path === '/v1/responses' });
    const reply = await client.responses.create({ model: 'mixed', input: 'hi', store: false });
    expect(reply.output_text).toBe('Hello from the fake upstream.');
    expect(reply.model).toBe('mixed');
    expect(upstream.requests.at(-1)?.path).toBe('/v1/chat/completions');
  });

  it('answers upstream garbage with 502 in the OpenAI envelope', async () => {
    const client = new OpenAI({ baseURL: `${gw.baseUrl}/v1`, apiKey: await gw.createKey(), maxRetries: 0 });
    upstream.fail({ type: 'garbage' }, { times: 5 });
    const error = await client.responses.create({ model: 'chat', input: 'hi' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(502);
    expect((error as APIError).code).toBe('upstream_bad_response');
  });

  it.each(['native', 'chat'])(
    'ends a stream that hangs mid-way with response.failed, then error (%s)',
    async (model) => {
      const client = new OpenAI({ baseURL: `${gw.baseUrl}/v1`, apiKey: await gw.createKey(), maxRetries: 0 });
      upstream.fail({ type: 'stall', afterChunks: 4 });
      const stream = await client.responses.create({ model, input: 'hi', stream: true, store: false });
      const events: ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      const types = events.map((event) => event.type);
      expect(types.slice(-2)).toEqual(['response.failed', 'error']);
      expect(types).not.toContain('response.completed');
      const failed = events.at(-2) as Extract<ResponseStreamEvent, { type: 'response.failed' }>;
      expect(failed.response.error?.code).toBe('upstream_stream_truncated');
      expect(events.at(-1)).toMatchObject({ type: 'error', code: 'upstream_stream_truncated' });
      const event = await eventually(async () =>
        (await gw.auditEvents()).find((found) => found.meta.model === model && found.meta.truncated === true),
      );
      expect(event.meta.stream).toBe(true);
    },
  );
});
