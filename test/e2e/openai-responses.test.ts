/**
 * Issue 13 §3 and "Done when": the real `openai` SDK's `responses` API (create, stream, tool calls), pointed at
 * Gatehouse, against a fake upstream that serves the Responses API (passthrough) and fakes that serve only chat
 * completions (OpenAI-compatible and Ollama-native: translation), streaming and not.
 */
import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../helpers/fake-llm-upstream.ts';
import { eventually } from '../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from '../integration/llm/support.ts';

const REPLY = 'Hello from the fake upstream.';
/** One public model per way of serving the Responses API. */
const MODELS = { native: 'agent-native', chat: 'agent-chat', ollama: 'agent-ollama' } as const;
type Kind = keyof typeof MODELS;

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

describe('openai SDK responses API through Gatehouse', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({
      file: {
        upstreams: [
          { id: 'native', provider: 'openai', base_url: `${upstream.origin}/v1`, responses_api: true },
          { id: 'chat', provider: 'openai', base_url: `${upstream.origin}/v1` },
          { id: 'ollama', provider: 'ollama', base_url: upstream.origin },
        ],
        models: [
          { name: MODELS.native, targets: [{ upstream: 'native', model: 'gpt-5-mini' }] },
          { name: MODELS.chat, targets: [{ upstream: 'chat', model: 'gpt-4o-mini' }] },
          { name: MODELS.ollama, targets: [{ upstream: 'ollama', model: 'llama3.1:8b' }] },
        ],
      },
    });
    client = new OpenAI({ baseURL: `${gw.baseUrl}/v1`, apiKey: await gw.createKey(), maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });
  beforeEach(() => upstream.reset());

  const upstreamPath: Record<Kind, string> = {
    native: '/v1/responses',
    chat: '/v1/chat/completions',
    ollama: '/api/chat',
  };

  it.each(['native', 'chat', 'ollama'] as const)(
    'creates a response (%s upstream) under the public model name',
    async (kind) => {
      const { data, response } = await client.responses
        .create({ model: MODELS[kind], instructions: 'Be brief.', input: 'hi', store: false, max_output_tokens: 50 })
        .withResponse();
      expect(data.output_text).toBe(REPLY);
      expect(data.model).toBe(MODELS[kind]);
      expect(data.status).toBe('completed');
      expect(data.usage?.output_tokens).toBeGreaterThan(0);
      const seen = upstream.requests.at(-1);
      expect(seen?.path).toBe(upstreamPath[kind]);
      const event = await eventually(() => gw.auditEventFor(response.headers.get('x-gatehouse-request-id') as string));
      expect(event.meta).toMatchObject({ model: MODELS[kind], stream: false });
      expect(event.usage?.completion_tokens).toBe(data.usage?.output_tokens);
    },
  );

  it('passes the body through to a Responses upstream: only the model swapped, unknown fields kept both ways', async () => {
    upstream.extra = { novel_member: { kept: true } };
    const body = {
      model: MODELS.native,
      input: [{ role: 'user' as const, content: 'hi' }],
      store: false,
      include: ['reasoning.encrypted_content' as const],
      prompt_cache_key: 'session-1',
      future_parameter: 7,
    };
    const data = await client.responses.create(body as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    expect(upstream.requests.at(-1)?.body).toEqual({ ...body, model: 'gpt-5-mini' });
    expect((data as unknown as Record<string, unknown>).novel_member).toEqual({ kept: true });
    expect(data.usage).toMatchObject({
      input_tokens_details: { cached_tokens: 2 },
      output_tokens_details: { reasoning_tokens: 1 },
    });
  });

  it.each(['native', 'chat', 'ollama'] as const)(
    'streams typed events (%s upstream), numbered, ending completed',
    async (kind) => {
      const stream = await client.responses.create({ model: MODELS[kind], input: 'hi', stream: true, store: false });
      const events: ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      const types = events.map((event) => event.type);
      expect(types.slice(0, 2)).toEqual(['response.created', 'response.in_progress']);
      expect(types.at(-1)).toBe('response.completed');
      expect(types).toContain('response.output_text.delta');
      expect(types).toContain('response.content_part.done');
      const numbers = events.map((event) => event.sequence_number);
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      const done = events.at(-1) as Extract<ResponseStreamEvent, { type: 'response.completed' }>;
      expect(done.response.model).toBe(MODELS[kind]);
      const text = events.flatMap((event) => (event.type === 'response.output_text.delta' ? [event.delta] : []));
      expect(text.join('')).toBe(REPLY);
      const audited = (await gw.auditEvents()).filter(
        (event) => event.meta.model === MODELS[kind] && event.meta.stream,
      );
      expect(audited.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
    },
  );

  it('the SDK stream helper assembles the final response from translated events', async () => {
    const stream = client.responses.stream({ model: MODELS.chat, input: 'hi', store: false });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe(REPLY);
    expect(deltas.join('')).toBe(REPLY);
  });

  it.each(['native', 'chat', 'ollama'] as const)(
    'round-trips a function call and its output (%s upstream)',
    async (kind) => {
      upstream.toolCall = { name: 'get_weather', arguments: '{"city":"Paris"}' };
      const first = await client.responses.create({
        model: MODELS[kind],
        input: 'weather?',
        tools: [weatherTool],
        store: false,
      });
      const call = first.output.find((item) => item.type === 'function_call');
      expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' });
      if (call?.type !== 'function_call') throw new Error('no function call');
      if (kind === 'chat') {
        expect(upstream.requests.at(-1)?.body?.tools).toEqual([
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'Weather for a city',
              parameters: weatherTool.parameters,
              strict: false,
            },
          },
        ]);
      }
      upstream.toolCall = null;
      const second = await client.responses.create({
        model: MODELS[kind],
        store: false,
        tools: [weatherTool],
        input: [
          { role: 'user', content: 'weather?' },
          { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
          { type: 'function_call_output', call_id: call.call_id, output: '18°C, sunny' },
        ],
      });
      expect(second.output_text).toBe(REPLY);
      const sent = upstream.requests.at(-1)?.body;
      if (kind === 'chat') {
        expect(sent?.messages).toEqual([
          { role: 'user', content: 'weather?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: call.call_id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            ],
          },
          { role: 'tool', tool_call_id: call.call_id, content: '18°C, sunny' },
        ]);
      } else if (kind === 'ollama') {
        expect(((sent?.messages ?? []) as Array<Record<string, unknown>>).map((message) => message.role)).toEqual([
          'user',
          'assistant',
          'tool',
        ]);
      } else {
        expect(((sent?.input ?? []) as unknown[]).length).toBe(3);
      }
    },
  );

  it.each(['native', 'chat'] as const)('streams a function call as argument deltas (%s upstream)', async (kind) => {
    upstream.toolCall = { name: 'get_weather', arguments: '{"city":"Paris"}' };
    const stream = client.responses.stream({
      model: MODELS[kind],
      input: 'weather?',
      tools: [weatherTool],
      store: false,
    });
    const deltas: string[] = [];
    stream.on('response.function_call_arguments.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(deltas.join('')).toBe('{"city":"Paris"}');
    expect(final.output.find((item) => item.type === 'function_call')).toMatchObject({
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
      call_id: 'call_fake_1',
    });
  });

  it('reports the token limit as status incomplete, from a translated upstream', async () => {
    upstream.finishReason = 'length';
    const json = await client.responses.create({ model: MODELS.chat, input: 'hi', store: false });
    expect(json.status).toBe('incomplete');
    expect(json.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    const stream = await client.responses.create({ model: MODELS.chat, input: 'hi', stream: true, store: false });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.at(-1)).toBe('response.incomplete');
  });

  it('streams reasoning from a translated upstream as a reasoning item', async () => {
    upstream.reasoning = 'Let me think.';
    const stream = client.responses.stream({ model: MODELS.chat, input: 'hi', store: false });
    const thoughts: string[] = [];
    stream.on('response.reasoning_text.delta', (event) => thoughts.push(event.delta));
    const final = await stream.finalResponse();
    expect(thoughts.join('')).toBe('Let me think.');
    expect(final.output[0]).toMatchObject({
      type: 'reasoning',
      content: [{ type: 'reasoning_text', text: 'Let me think.' }],
    });
    expect(final.output_text).toBe(REPLY);
  });

  it('compacts through an upstream that serves the Responses API', async () => {
    const compacted = await client.responses.compact({ model: MODELS.native, input: 'a long conversation' });
    expect(compacted.output[0]).toMatchObject({ type: 'compaction' });
    expect(upstream.requests.at(-1)?.path).toBe('/v1/responses/compact');
  });
});
