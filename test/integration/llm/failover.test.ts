/**
 * Issue 3 "Upstreams and model routing" and "Streaming done right", over fake upstreams that fail on purpose:
 * failover before the first byte, an honest in-band error after it, timeouts, garbage, client disconnects.
 */
import { request as httpRequest } from 'node:http';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { eventually } from '../../helpers/gateway.ts';
import { FAST_POLICY, type LlmTestGateway, startLlmGateway, twoUpstreamConfig } from './support.ts';

// biome-ignore lint/suspicious/noTemplateCurlyInString: the config's literal env reference syntax
const ENV_REF = '${GATEHOUSE_TEST_UPSTREAM_KEY}';
const SECRET = 'sk-test-upstream-secret-0123456789';

describe('LLM failover and streaming faults', () => {
  let primary: FakeLlmUpstream;
  let secondary: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let key: string;

  async function chat(model: string, extra: Record<string, unknown> = {}) {
    const response = await request(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello there' }], ...extra }),
    });
    const text = await response.body.text();
    const requestId = response.headers['x-gatehouse-request-id'] as string;
    return { status: response.statusCode, text, requestId, headers: response.headers };
  }

  beforeAll(async () => {
    primary = await createFakeLlmUpstream();
    secondary = await createFakeLlmUpstream();
    process.env.GATEHOUSE_TEST_UPSTREAM_KEY = SECRET;
    const file = twoUpstreamConfig(primary.origin, secondary.origin);
    (file.upstreams as unknown[]).push({
      id: 'keyed',
      provider: 'openai',
      base_url: `${secondary.origin}/v1`,
      api_keys: [ENV_REF],
    });
    (file.models as unknown[]).push({ name: 'keyed', targets: [{ upstream: 'keyed', model: 'gpt-4o-mini' }] });
    // Circuit breaking is the router's own suite; here every test must reach the target it breaks on purpose.
    gw = await startLlmGateway({ file, llm: { router: { policy: { ...FAST_POLICY, failure_threshold: 1_000 } } } });
    key = await gw.createKey();
  });
  afterAll(async () => {
    delete process.env.GATEHOUSE_TEST_UPSTREAM_KEY;
    await gw?.dispose();
    await primary?.close();
    await secondary?.close();
  });
  beforeEach(() => {
    primary.reset();
    secondary.reset();
  });

  it('fails over to the fallback group when every primary attempt gets a 5xx', async () => {
    primary.fail({ type: 'status', status: 500 }, { times: 10 });
    const result = await chat('gpt-4o-mini');
    expect(result.status).toBe(200);
    expect(JSON.parse(result.text).choices[0].message.content).toBe('Hello from the fake upstream.');
    expect(secondary.requests).toHaveLength(1);
    const event = await gw.auditEventFor(result.requestId);
    expect(event?.upstream?.id).toBe('secondary');
    expect(event?.upstream?.attempts).toBe(primary.requests.length + 1);
  });

  it('fails over a stream transparently when the upstream fails before its first byte', async () => {
    primary.fail({ type: 'status', status: 503 }, { times: 10 });
    const result = await chat('gpt-4o-mini', { stream: true });
    expect(result.status).toBe(200);
    expect(result.text).toContain('data: [DONE]');
    expect(result.text).not.toContain('"error"');
  });

  it('ends a stream cut mid-way with an in-band error and no [DONE], recorded as truncated', async () => {
    primary.fail({ type: 'cut', afterChunks: 2 });
    const result = await chat('gpt-4o-mini', { stream: true });
    expect(result.status).toBe(200);
    expect(result.text).toContain('Hello ');
    expect(result.text).toContain('upstream_stream_truncated');
    expect(result.text).not.toContain('[DONE]');
    const event = await gw.auditEventFor(result.requestId);
    expect(event?.meta).toMatchObject({ truncated: true, stream: true, usage_estimated: true });
    expect(event?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('surfaces a cut stream as an error to the openai client, never as a clean finish', async () => {
    primary.fail({ type: 'cut', afterChunks: 1 });
    const client = new OpenAI({ baseURL: `${gw.baseUrl}/v1`, apiKey: key, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const consume = async () => {
      for await (const _chunk of stream) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(/ended before completion/);
  });

  it('ends a cut Ollama stream with an error line and no done:true', async () => {
    primary.fail({ type: 'cut', afterChunks: 2 });
    const response = await request(`${gw.baseUrl}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const lines = (await response.body.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.at(-1)).toHaveProperty('error');
    expect(lines.some((line) => line.done === true)).toBe(false);
  });

  it('passes a large embeddings reply through byte for byte, with the usage it reports', async () => {
    const input = Array.from({ length: 20 }, (_, i) => `text number ${i}`);
    const response = await request(`${gw.baseUrl}/v1/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'embed', input, dimensions: 2048 }),
    });
    const text = await response.body.text();
    expect(response.statusCode).toBe(200);
    // Past the size a reply is parsed whole at (64 KiB), only its usage member is read.
    expect(Buffer.byteLength(text)).toBeGreaterThan(64 * 1024);
    const reply = JSON.parse(text);
    expect(reply.data).toHaveLength(20);
    expect(reply.data[19].embedding).toHaveLength(2048);
    const event = await gw.auditEventFor(response.headers['x-gatehouse-request-id'] as string);
    expect(event?.usage?.prompt_tokens).toBe(reply.usage.prompt_tokens);
    expect(event?.meta).toMatchObject({ usage_estimated: false });
  });

  it('answers 502 upstream_bad_response for a large reply cut short or malformed', async () => {
    const big = JSON.stringify({
      id: 'chatcmpl-big',
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'word '.repeat(30_000) }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 30_000, total_tokens: 30_001 },
    });
    for (const body of [big.slice(0, -2), `${big}}`, big.replace('"usage":{', '"usage":{"x":tru,')]) {
      secondary.fail({ type: 'json-body', body }, { times: 1 });
      const result = await chat('short');
      expect(result.status).toBe(502);
      expect(JSON.parse(result.text).error.code).toBe('upstream_bad_response');
    }
    secondary.fail({ type: 'json-body', body: big }, { times: 1 });
    const whole = await chat('short');
    expect(whole.status).toBe(200);
    expect(whole.text).toBe(big);
    expect((await gw.auditEventFor(whole.requestId))?.usage?.completion_tokens).toBe(30_000);
  });

  it('answers 502 upstream_bad_response when the upstream returns garbage', async () => {
    secondary.fail({ type: 'garbage' }, { times: 5 });
    const result = await chat('short');
    expect(result.status).toBe(502);
    expect(JSON.parse(result.text).error.code).toBe('upstream_bad_response');
    expect(result.text).not.toContain('<html>');
  });

  it('answers 504 upstream_timeout when the upstream hangs past the model timeout', async () => {
    secondary.fail({ type: 'hang' }, { times: 5 });
    const result = await chat('short');
    expect(result.status).toBe(504);
    expect(JSON.parse(result.text).error).toMatchObject({ code: 'upstream_timeout', type: 'upstream_error' });
    const event = await gw.auditEventFor(result.requestId);
    expect(event?.outcome).toBe('upstream_error');
    expect(event?.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it('never echoes an upstream credential in an upstream error message', async () => {
    secondary.fail({
      type: 'status',
      status: 400,
      body: JSON.stringify({ error: { message: `invalid request for key ${SECRET}` } }),
    });
    const result = await chat('keyed');
    expect(result.status).toBe(400);
    expect(JSON.parse(result.text).error.code).toBe('upstream_rejected');
    expect(result.text).not.toContain(SECRET);
    expect(secondary.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('aborts the upstream when the client disconnects mid-stream and still audits the usage so far', async () => {
    secondary.fail({ type: 'slow', delayMs: 150 });
    const aborted = secondary.nextAbort();
    const requestId = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${gw.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        res.on('data', (chunk: Buffer) => {
          // Disconnect as soon as the first content arrives: the upstream is still producing.
          if (chunk.toString('utf8').includes('Hello')) {
            req.destroy();
            resolve(res.headers['x-gatehouse-request-id'] as string);
          }
        });
      });
      req.on('error', () => {});
      req.on('close', () => reject(new Error('closed before content')));
      req.end(JSON.stringify({ model: 'backup', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    });
    expect((await aborted).aborted).toBe(true);
    const event = await eventually(() => gw.auditEventFor(requestId));
    const all = (await gw.auditEvents()).filter((e) => e.request_id === requestId);
    expect(all).toHaveLength(1);
    expect(event.status).toBe(499);
    expect(event.outcome).toBe('aborted');
    expect(event.usage?.completion_tokens).toBeGreaterThan(0);
    expect(event.upstream?.id).toBe('secondary');
  });
});
