/**
 * Issue 13 "Bad input" on the Messages surface: each malformed or unservable request gets a clear error in
 * Anthropic's envelope (the catalog's code and status beside Anthropic's type), reaches no upstream, admits
 * nothing (the key's one request a minute is still there after them all) and is audited exactly once. A broken
 * upstream ends a stream with an in-band `error` event, never a fake `message_stop`; limits follow the model
 * `x-gatehouse-model` selects, as on the other surfaces (§1's regression, mirrored).
 */
import Anthropic from '@anthropic-ai/sdk';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { eventually } from '../../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from './support.ts';

const BODY_LIMIT = 64 * 1024;

interface AnthropicError {
  type: 'error';
  error: { type: string; message: string; code: string; param: string | null };
}

describe('Messages API bad input', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({
      env: { GATEHOUSE_BODY_LIMIT: String(BODY_LIMIT) },
      file: {
        upstreams: [{ id: 'claude', provider: 'anthropic', base_url: upstream.origin, api_keys: ['sk-ant-x'] }],
        models: [
          { name: 'sonnet', targets: [{ upstream: 'claude', model: 'claude-sonnet-4-5' }], idle_timeout: '300ms' },
          { name: 'haiku', targets: [{ upstream: 'claude', model: 'claude-haiku-4-5' }], retries: 0 },
          { name: 'secret', targets: [{ upstream: 'claude', model: 'claude-opus-4-1' }] },
        ],
      },
    });
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });
  beforeEach(() => upstream.reset());

  async function send(key: string, path: string, body: unknown, headers: Record<string, string> = {}) {
    const response = await request(`${gw.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const json = (await response.body.json()) as AnthropicError;
    return { status: response.statusCode, json, requestId: String(response.headers['x-gatehouse-request-id']) };
  }

  const hi = [{ role: 'user', content: 'hi' }];
  const orphan = [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_missing', content: 'x' }] }];
  const cases: Array<[string, string, unknown, number, string, string, string | null]> = [
    [
      'malformed JSON',
      '/v1/messages',
      '{"model": "sonnet", "messages": ',
      400,
      'invalid_json',
      'invalid_request_error',
      null,
    ],
    [
      'no max_tokens',
      '/v1/messages',
      { model: 'sonnet', messages: hi },
      400,
      'invalid_request',
      'invalid_request_error',
      'max_tokens',
    ],
    [
      'messages of the wrong shape',
      '/v1/messages',
      { model: 'sonnet', max_tokens: 8, messages: [{ role: 'user', content: 42 }] },
      400,
      'invalid_request',
      'invalid_request_error',
      'messages.0.content',
    ],
    [
      'a tool_result without its tool_use',
      '/v1/messages',
      { model: 'sonnet', max_tokens: 8, messages: orphan },
      400,
      'invalid_request',
      'invalid_request_error',
      'messages.0.content.0.tool_use_id',
    ],
    [
      'stream of the wrong type',
      '/v1/messages',
      { model: 'sonnet', max_tokens: 8, messages: hi, stream: 'yes' },
      400,
      'invalid_request',
      'invalid_request_error',
      'stream',
    ],
    [
      'no model',
      '/v1/messages',
      { max_tokens: 8, messages: hi },
      400,
      'invalid_request',
      'invalid_request_error',
      'model',
    ],
    [
      'an unknown model',
      '/v1/messages',
      { model: 'nope', max_tokens: 8, messages: hi },
      404,
      'model_not_found',
      'invalid_request_error',
      'model',
    ],
    [
      'a model the key may not use',
      '/v1/messages',
      { model: 'secret', max_tokens: 8, messages: hi },
      403,
      'model_not_allowed',
      'permission_error',
      'model',
    ],
    [
      'an oversized body',
      '/v1/messages',
      { model: 'sonnet', max_tokens: 8, messages: [{ role: 'user', content: 'x'.repeat(BODY_LIMIT) }] },
      413,
      'body_too_large',
      'request_too_large',
      null,
    ],
    [
      'count_tokens with a tool_result without its tool_use',
      '/v1/messages/count_tokens',
      { model: 'sonnet', messages: orphan },
      400,
      'invalid_request',
      'invalid_request_error',
      'messages.0.content.0.tool_use_id',
    ],
  ];

  it('answers each in the Anthropic envelope, reaches no upstream, admits nothing and audits once', async () => {
    const key = await gw.createKey(['sonnet', 'haiku', 'nope'], { limits: { rpm: 1 } });
    for (const [name, path, body, status, code, type, param] of cases) {
      const reply = await send(key, path, body);
      expect({ name, status: reply.status, code: reply.json.error?.code }).toEqual({ name, status, code });
      expect({ name, envelope: reply.json.type, type: reply.json.error.type }).toEqual({
        name,
        envelope: 'error',
        type,
      });
      expect(reply.json.error.message.length).toBeGreaterThan(0);
      if (param !== null) expect(reply.json.error.param).toBe(param);
      const events = await eventually(async () => {
        const found = (await gw.auditEvents()).filter((event) => event.request_id === reply.requestId);
        return found.length > 0 ? found : undefined;
      });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ status, error_code: code });
    }
    expect(upstream.requests).toHaveLength(0);
    // Nothing above took the key's one request a minute.
    const ok = await send(key, '/v1/messages', { model: 'sonnet', max_tokens: 8, messages: hi });
    expect(ok.status).toBe(200);
    const limited = await send(key, '/v1/messages', { model: 'sonnet', max_tokens: 8, messages: hi });
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
    });
  });

  it('refuses a wrong x-api-key with 401 in the Anthropic envelope, audited once', async () => {
    const reply = await send('gh_not_a_key', '/v1/messages', { model: 'sonnet', max_tokens: 8, messages: hi });
    expect(reply.status).toBe(401);
    expect(reply.json).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const events = await eventually(async () => {
      const found = (await gw.auditEvents()).filter((event) => event.request_id === reply.requestId);
      return found.length > 0 ? found : undefined;
    });
    expect(events).toHaveLength(1);
    expect(upstream.requests).toHaveLength(0);
  });

  it('the SDK reads a refusal as its own typed error', async () => {
    const client = new Anthropic({ baseURL: gw.baseUrl, apiKey: await gw.createKey(['sonnet']), maxRetries: 0 });
    const error = await client.messages
      .create({ model: 'haiku', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((error as InstanceType<typeof Anthropic.PermissionDeniedError>).message).toContain('haiku');
  });

  it('limits and audits the model x-gatehouse-model names, as on chat', async () => {
    const key = await gw.createKey(undefined, { limits: { models: { haiku: { rpm: 1 } } } });
    const statuses: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const reply = await send(
        key,
        '/v1/messages',
        { model: 'sonnet', max_tokens: 8, messages: hi },
        {
          'x-gatehouse-model': 'haiku',
        },
      );
      statuses.push(reply.status);
      ids.push(reply.requestId);
    }
    expect(statuses).toEqual([200, 429]);
    expect(upstream.requests.map((seen) => seen.body?.model)).toEqual(['claude-haiku-4-5']);
    const event = await eventually(() => gw.auditEventFor(ids[0] as string));
    expect(event.meta).toMatchObject({ model: 'haiku' });
  });

  it('never sends raw bytes naming two models: the checked one goes upstream', async () => {
    const key = await gw.createKey(['sonnet']);
    const body =
      '{"model":"sonnet","max_tokens":8,"messages":[{"role":"user","content":"hi"}],"mod\\u0065l":"claude-sonnet-4-5"}';
    const reply = await send(key, '/v1/messages', body);
    // JSON.parse keeps the last: the model checked is the escaped one's value, which this key may not use.
    expect(reply.status).toBe(403);
    const twice = '{"model":"secret","max_tokens":8,"messages":[{"role":"user","content":"hi"}],"model":"sonnet"}';
    const ok = await send(key, '/v1/messages', twice);
    expect(ok.status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]?.raw).not.toContain('secret');
    expect(upstream.requests[0]?.body?.model).toBe('claude-sonnet-4-5');
  });

  it('answers upstream garbage with 502 in the Anthropic envelope', async () => {
    const client = new Anthropic({ baseURL: gw.baseUrl, apiKey: await gw.createKey(), maxRetries: 0 });
    upstream.fail({ type: 'garbage' }, { times: 5 });
    const error = await client.messages
      .create({ model: 'haiku', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(502);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { type: 'api_error', code: 'upstream_bad_response' },
    });
  });

  it.each([
    ['hangs', { type: 'stall', afterChunks: 4 } as const, 'upstream_stream_truncated'],
    ['is cut', { type: 'cut', afterChunks: 4 } as const, 'upstream_stream_truncated'],
  ])(
    'ends a stream whose upstream %s mid-way with an error event, audited as truncated',
    async (_name, fault, code) => {
      const key = await gw.createKey();
      upstream.fail(fault);
      const response = await request(`${gw.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sonnet', max_tokens: 8, stream: true, messages: hi }),
      });
      expect(response.statusCode).toBe(200);
      const text = await response.body.text();
      const types = [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
      expect(types[0]).toBe('message_start');
      expect(types.at(-1)).toBe('error');
      expect(types).not.toContain('message_stop');
      const last = JSON.parse(text.trim().split('\n').at(-1)?.slice('data: '.length) ?? '{}');
      expect(last).toMatchObject({ type: 'error', error: { code } });
      const requestId = String(response.headers['x-gatehouse-request-id']);
      const event = await eventually(() => gw.auditEventFor(requestId));
      expect(event.meta).toMatchObject({ model: 'sonnet', stream: true, truncated: true });
    },
  );
});
