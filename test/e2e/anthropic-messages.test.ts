/**
 * Issue 13 §2 and "Done when": the real `@anthropic-ai/sdk` (messages, streaming, tool use, thinking,
 * count_tokens, model listing) pointed at Gatehouse, against a fake Anthropic upstream the gateway reaches as an
 * `anthropic` upstream: byte-faithful passthrough, the client's protocol headers forwarded, usage (cache reads
 * and writes included) metered and audited.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../helpers/fake-llm-upstream.ts';
import { eventually } from '../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from '../integration/llm/support.ts';

const REPLY = 'Hello from the fake upstream.';
const UPSTREAM_KEY = 'sk-ant-upstream-secret';

describe('@anthropic-ai/sdk through Gatehouse to an anthropic upstream', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let key: string;
  let client: Anthropic;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({
      file: {
        upstreams: [
          { id: 'claude', provider: 'anthropic', base_url: upstream.origin, api_keys: [UPSTREAM_KEY] },
          { id: 'chat', provider: 'openai', base_url: `${upstream.origin}/v1` },
        ],
        models: [
          { name: 'chat-model', targets: [{ upstream: 'chat', model: 'gpt-4o-mini' }] },
          { name: 'claude-sonnet-4-5', targets: [{ upstream: 'claude', model: 'claude-sonnet-4-5' }] },
          { name: 'house-claude', targets: [{ upstream: 'claude', model: 'claude-haiku-4-5' }] },
        ],
      },
    });
    key = await gw.createKey();
    client = new Anthropic({ baseURL: gw.baseUrl, apiKey: key, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });
  beforeEach(() => upstream.reset());

  it('creates a message with x-api-key; usage sums cache reads and writes into the prompt', async () => {
    const { data, response } = await client.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.content).toEqual([{ type: 'text', text: REPLY }]);
    expect(data.model).toBe('claude-sonnet-4-5');
    const seen = upstream.requests.at(-1);
    expect(seen?.path).toBe('/v1/messages');
    expect(seen?.headers['x-api-key']).toBe(UPSTREAM_KEY);
    expect(seen?.headers.authorization).toBeUndefined();
    const event = await eventually(() => gw.auditEventFor(response.headers.get('x-gatehouse-request-id') as string));
    expect(event.meta).toMatchObject({ model: 'claude-sonnet-4-5', stream: false });
    const usage = data.usage;
    const prompt = usage.input_tokens + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
    expect(event.usage).toMatchObject({ prompt_tokens: prompt, completion_tokens: usage.output_tokens });
  });

  it('passes the client bytes through, unknown fields and protocol headers included', async () => {
    const body = `{"model":"claude-sonnet-4-5",  "max_tokens":64,"messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]}],"thinking":{"type":"enabled","budget_tokens":1024},"context_management":{"edits":[]},"metadata":{"user_id":"u1"},"novel_beta_field":[1.0,2]}`;
    const response = await request(`${gw.baseUrl}/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'x-api-key': key,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'context-management-2025-06-27,interleaved-thinking-2025-05-14',
      },
      body,
    });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
    const seen = upstream.requests.at(-1);
    expect(seen?.raw).toBe(body);
    expect(seen?.headers['anthropic-version']).toBe('2023-06-01');
    expect(seen?.headers['anthropic-beta']).toBe('context-management-2025-06-27,interleaved-thinking-2025-05-14');
  });

  it('swaps only the model when the public name maps to another upstream model, and names it back', async () => {
    const reply = await client.messages.create({
      model: 'house-claude',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
      metadata: { user_id: 'u1' },
    });
    expect(reply.model).toBe('house-claude');
    expect(upstream.requests.at(-1)?.body).toMatchObject({ model: 'claude-haiku-4-5', metadata: { user_id: 'u1' } });
    // The SDK's own version goes upstream as it sent it.
    expect(upstream.requests.at(-1)?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('names the model the client asked for when Anthropic reports a dated snapshot, JSON and stream (issue 13)', async () => {
    upstream.reportModel = (asked) => `${asked}-20251001`;
    const messages = [{ role: 'user' as const, content: 'hi' }];
    for (const model of ['house-claude', 'claude-sonnet-4-5']) {
      expect((await client.messages.create({ model, max_tokens: 64, messages })).model).toBe(model);
      const stream = client.messages.stream({ model, max_tokens: 64, messages });
      expect((await stream.finalMessage()).model).toBe(model);
      const requestId = (await stream.withResponse()).response.headers.get('x-gatehouse-request-id') as string;
      const event = await eventually(() => gw.auditEventFor(requestId));
      expect(event.upstream?.target).toBe(model === 'house-claude' ? 'claude-haiku-4-5' : model);
    }
  });

  it('names the default anthropic-version upstream when the client names none', async () => {
    const response = await request(`${gw.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
    expect(upstream.requests.at(-1)?.headers['anthropic-version']).toBe('2023-06-01');
    expect(upstream.requests.at(-1)?.headers['anthropic-beta']).toBeUndefined();
  });

  it('streams the whole event set in order, with usage from message_start and message_delta', async () => {
    upstream.reasoning = 'Let me think.';
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: 'hi' }],
    });
    const events: RawMessageStreamEvent[] = [];
    stream.on('streamEvent', (event) => events.push(event));
    const final = await stream.finalMessage();
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('message_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(types.filter((type) => type === 'content_block_start')).toHaveLength(2);
    const deltas = events.flatMap((event) => (event.type === 'content_block_delta' ? [event.delta.type] : []));
    expect(deltas.slice(0, 2)).toEqual(['thinking_delta', 'signature_delta']);
    expect(deltas).toContain('text_delta');
    expect(final.content[0]).toMatchObject({ type: 'thinking', thinking: 'Let me think.' });
    expect(final.content[1]).toMatchObject({ type: 'text', text: REPLY });
    const requestId = (await stream.withResponse()).response.headers.get('x-gatehouse-request-id') as string;
    const event = await eventually(() => gw.auditEventFor(requestId));
    expect(event.meta).toMatchObject({ stream: true, truncated: false, usage_estimated: false });
    const usage = final.usage;
    const prompt = usage.input_tokens + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
    expect(event.usage).toMatchObject({ prompt_tokens: prompt, completion_tokens: usage.output_tokens });
  });

  it('streams a tool call as input_json_delta, then takes its tool_result', async () => {
    upstream.toolCall = { name: 'get_weather', arguments: JSON.stringify({ city: 'Paris', unit: 'celsius' }) };
    const tools: Anthropic.Tool[] = [
      {
        name: 'get_weather',
        description: 'Weather for a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ];
    const first = await client.messages
      .stream({ model: 'claude-sonnet-4-5', max_tokens: 256, tools, messages: [{ role: 'user', content: 'Paris?' }] })
      .finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const call = first.content[0] as Anthropic.ToolUseBlock;
    expect(call).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } });
    const second = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 256,
      tools,
      messages: [
        { role: 'user', content: 'Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '18°C' }] },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: REPLY }]);
  });

  it('counts tokens through the upstream', async () => {
    const counted = await client.messages.countTokens({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'how many tokens is this' }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(upstream.requests.at(-1)?.path).toBe('/v1/messages/count_tokens');
  });

  it('estimates count_tokens itself for a model served by a chat upstream, asking no upstream', async () => {
    const counted = await client.messages.countTokens({
      model: 'chat-model',
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'how many tokens is this' }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(upstream.requests).toHaveLength(0);
  });

  it('lists models in the Anthropic shape, with a bearer token too', async () => {
    const bearer = new Anthropic({ baseURL: gw.baseUrl, authToken: key, apiKey: null, maxRetries: 0 });
    const page = await bearer.models.list();
    expect(page.data.map((model) => model.id).sort()).toEqual(['chat-model', 'claude-sonnet-4-5', 'house-claude']);
    expect(page.data[0]).toMatchObject({ type: 'model' });
  });

  it("answers the model listing's 401, 403 and 404 in Anthropic's envelope too, each audited once", async () => {
    const bad = new Anthropic({ baseURL: gw.baseUrl, apiKey: 'gh_not_a_key', maxRetries: 0 });
    const unauthenticated = await bad.models.list().catch((caught: unknown) => caught);
    expect(unauthenticated).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((unauthenticated as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error', code: 'invalid_api_key' },
    });
    // A key its team's agent role is explicitly denied to: authenticated, not authorized.
    const { gateway } = gw;
    const tenant = await gateway.identity.createTenant(`t-${Date.now()}`);
    const team = await gateway.identity.createTeam(tenant.id, 'denied');
    const issued = await gateway.identity.createKey({ tenant: tenant.id, team: team.id, name: 'k', expiresInMs: null });
    const scope = `org:${tenant.id}/team:${team.id}`;
    await gateway.admin.createBinding(
      { principal: `key:${issued.record.id}`, role: 'agent', scope, effect: 'deny' },
      null,
    );
    await Promise.all([gateway.snapshot.refresh(), gateway.adminSnapshot.refresh()]);
    const denied = new Anthropic({ baseURL: gw.baseUrl, apiKey: issued.key, maxRetries: 0 });
    const forbidden = await denied.models.list().catch((caught: unknown) => caught);
    expect(forbidden).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((forbidden as InstanceType<typeof Anthropic.PermissionDeniedError>).error).toMatchObject({
      type: 'error',
      error: { type: 'permission_error', code: 'permission_denied' },
    });
    const missing = await client.models.retrieve('no-such-model').catch((caught: unknown) => caught);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect((missing as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', code: 'model_not_found' },
    });
    for (const error of [unauthenticated, forbidden, missing] as InstanceType<typeof Anthropic.APIError>[]) {
      const requestId = error.headers?.get('x-gatehouse-request-id') as string;
      const events = await eventually(async () => {
        const found = (await gw.auditEvents()).filter((event) => event.request_id === requestId);
        return found.length > 0 ? found : undefined;
      });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ status: error.status });
    }
    // Without anthropic-version, the same refusal keeps OpenAI's envelope.
    const openaiStyle = await request(`${gw.baseUrl}/v1/models`, { headers: { authorization: 'Bearer gh_not_a_key' } });
    expect(openaiStyle.statusCode).toBe(401);
    expect(await openaiStyle.body.json()).toMatchObject({
      error: { type: 'authentication_error', code: 'invalid_api_key' },
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it('ends a stream whose upstream breaks with an in-band error event, never message_stop', async () => {
    upstream.fail({ type: 'error-event', afterChunks: 4 });
    const stream = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const types: string[] = [];
    const error = await (async () => {
      for await (const event of stream) types.push(event.type);
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(types).not.toContain('message_stop');
    expect(types[0]).toBe('message_start');
  });
});
