/**
 * Issue 13 regression: `/v1/completions` and `/v1/embeddings` (and Ollama's `/api/embed`) on a model routed to an
 * `anthropic` upstream, which has neither operation, used to reach the planner and answer 500. Now a model with no
 * target able to serve the operation is refused before admission with 400 `operation_not_supported` in the
 * surface's envelope (audited once, admitting nothing), and a model with some able targets uses only those:
 * failover skips the others without spending the group's attempts on them.
 */
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { eventually } from '../../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from './support.ts';

describe('issue 13: an operation the upstream kind cannot serve', () => {
  let claude: FakeLlmUpstream;
  let openai: FakeLlmUpstream;
  let gw: LlmTestGateway;

  beforeAll(async () => {
    claude = await createFakeLlmUpstream();
    openai = await createFakeLlmUpstream();
    gw = await startLlmGateway({
      file: {
        upstreams: [
          { id: 'claude', provider: 'anthropic', base_url: claude.origin, api_keys: ['sk-ant-x'] },
          { id: 'gpt', provider: 'openai', base_url: `${openai.origin}/v1`, api_keys: ['sk-x'] },
        ],
        models: [
          { name: 'sonnet', targets: [{ upstream: 'claude', model: 'claude-sonnet-4-5' }] },
          {
            name: 'mixed',
            // No retries: the anthropic target must be skipped, not tried and counted as the group's one attempt.
            retries: 0,
            targets: [
              { upstream: 'claude', model: 'claude-sonnet-4-5', weight: 50 },
              { upstream: 'gpt', model: 'gpt-4o-mini', weight: 1 },
            ],
          },
          {
            name: 'sonnet-then-gpt',
            targets: [{ upstream: 'claude', model: 'claude-sonnet-4-5' }],
            fallbacks: ['gpt'],
          },
          { name: 'gpt', targets: [{ upstream: 'gpt', model: 'gpt-4o-mini' }] },
        ],
      },
    });
  });
  afterAll(async () => {
    await gw?.dispose();
    await claude?.close();
    await openai?.close();
  });
  beforeEach(() => {
    claude.reset();
    openai.reset();
  });

  async function post(key: string, path: string, body: unknown) {
    const response = await request(`${gw.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await response.body.json()) as Record<string, unknown>;
    return { status: response.statusCode, json, requestId: String(response.headers['x-gatehouse-request-id']) };
  }

  async function auditedOnce(requestId: string) {
    const events = await eventually(async () => {
      const found = (await gw.auditEvents()).filter((event) => event.request_id === requestId);
      return found.length > 0 ? found : undefined;
    });
    expect(events).toHaveLength(1);
    return events[0];
  }

  it('refuses completions and embeddings on an anthropic-only model with 400, audited once, admitting nothing', async () => {
    const key = await gw.createKey(undefined, { limits: { rpm: 1 } });
    const cases: Array<[string, Record<string, unknown>]> = [
      ['/v1/completions', { model: 'sonnet', prompt: 'hi', max_tokens: 8 }],
      ['/v1/embeddings', { model: 'sonnet', input: 'hi' }],
    ];
    for (const [path, body] of cases) {
      const reply = await post(key, path, body);
      expect({ path, status: reply.status }).toEqual({ path, status: 400 });
      expect(reply.json.error).toMatchObject({
        type: 'invalid_request_error',
        code: 'operation_not_supported',
        param: 'model',
      });
      const message = (reply.json.error as { message: string }).message;
      expect(message).toContain('sonnet');
      expect(message).toContain(path);
      expect(message).toContain('anthropic');
      expect(await auditedOnce(reply.requestId)).toMatchObject({ status: 400, error_code: 'operation_not_supported' });
    }
    // Ollama's embed on the same model: the same refusal in Ollama's envelope.
    const embed = await post(key, '/api/embed', { model: 'sonnet', input: 'hi' });
    expect(embed.status).toBe(400);
    expect(typeof embed.json.error).toBe('string');
    expect(embed.json.error).toContain('sonnet');
    expect(await auditedOnce(embed.requestId)).toMatchObject({ status: 400, error_code: 'operation_not_supported' });
    expect(claude.requests).toHaveLength(0);
    expect(openai.requests).toHaveLength(0);
    // None of the refusals took the key's one request a minute.
    const chat = await post(key, '/v1/chat/completions', {
      model: 'sonnet',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(chat.status).toBe(200);
    expect((await post(key, '/v1/embeddings', { model: 'gpt', input: 'hi' })).status).toBe(429);
  });

  it('serves them on the targets of a mixed group that can, skipping the anthropic one', async () => {
    const key = await gw.createKey();
    for (let i = 0; i < 4; i++) {
      expect((await post(key, '/v1/embeddings', { model: 'mixed', input: `hi ${i}` })).status).toBe(200);
      expect((await post(key, '/v1/completions', { model: 'mixed', prompt: `hi ${i}`, max_tokens: 8 })).status).toBe(
        200,
      );
    }
    expect(claude.requests).toHaveLength(0);
    expect(openai.requests.map((seen) => seen.path).sort()).toEqual([
      ...Array(4).fill('/v1/completions'),
      ...Array(4).fill('/v1/embeddings'),
    ]);
    // Chat still reaches the anthropic target: only the operations it lacks skip it.
    for (let i = 0; i < 8 && claude.requests.length === 0; i++) {
      const chat = await post(key, '/v1/chat/completions', {
        model: 'mixed',
        max_tokens: 8,
        messages: [{ role: 'user', content: `hello ${i}` }],
      });
      expect(chat.status).toBe(200);
    }
    expect(claude.requests.map((seen) => seen.path.split('?')[0])).toEqual(['/v1/messages']);
  });

  it('moves on to a fallback group whose targets can serve it', async () => {
    const key = await gw.createKey();
    const reply = await post(key, '/v1/embeddings', { model: 'sonnet-then-gpt', input: 'hi' });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ object: 'list' });
    expect(claude.requests).toHaveLength(0);
    expect(openai.requests.map((seen) => seen.body?.model)).toEqual(['gpt-4o-mini']);
  });
});
