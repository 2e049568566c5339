/**
 * Issue 13 §4: translation between the Anthropic Messages dialect and the chat family, with the real SDKs. The
 * real `@anthropic-ai/sdk` against OpenAI-compatible and Ollama fakes (Messages → chat, Messages → chat → Ollama),
 * the real `openai` SDK (chat and Responses) against an Anthropic fake (chat → Messages, Responses → chat →
 * Messages), streaming and not, tool
 * use round trips, failover between targets of different kinds, and bad input in the client's own envelope.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../helpers/fake-llm-upstream.ts';
import { eventually } from '../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from '../integration/llm/support.ts';

const REPLY = 'Hello from the fake upstream.';
const MODELS = {
  chat: 'claude-on-chat',
  ollama: 'claude-on-ollama',
  anthropic: 'gpt-on-anthropic',
  /** An Anthropic target first, an OpenAI chat target second. */
  mixed: 'mixed-kinds',
} as const;

const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('translation between Anthropic Messages and the chat family', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let anthropic: Anthropic;
  let openai: OpenAI;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({
      file: {
        upstreams: [
          { id: 'chat', provider: 'openai', base_url: `${upstream.origin}/v1` },
          { id: 'ollama', provider: 'ollama', base_url: upstream.origin },
          { id: 'anthropic', provider: 'anthropic', base_url: upstream.origin, api_keys: ['sk-ant-fake'] },
        ],
        models: [
          { name: MODELS.chat, targets: [{ upstream: 'chat', model: 'gpt-4o-mini' }] },
          { name: MODELS.ollama, targets: [{ upstream: 'ollama', model: 'llama3.1:8b' }] },
          { name: MODELS.anthropic, targets: [{ upstream: 'anthropic', model: 'claude-sonnet-4-5' }] },
          {
            name: MODELS.mixed,
            strategy: 'least-busy',
            retries: 1,
            targets: [
              { upstream: 'anthropic', model: 'claude-sonnet-4-5', weight: 100 },
              // Weight 0 makes the chat target the fallback only: with weight 1 the weighted draw put it first in
              // about one request in a hundred, and the failover tests then saw no Anthropic attempt.
              { upstream: 'chat', model: 'gpt-4o-mini', weight: 0 },
            ],
          },
        ],
      },
    });
    const key = await gw.createKey();
    anthropic = new Anthropic({ baseURL: gw.baseUrl, apiKey: key, maxRetries: 0 });
    openai = new OpenAI({ baseURL: `${gw.baseUrl}/v1`, apiKey: key, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });
  beforeEach(() => upstream.reset());

  describe('Messages client on chat-family upstreams', () => {
    const path = { chat: '/v1/chat/completions', ollama: '/api/chat' } as const;

    it.each(['chat', 'ollama'] as const)('answers a message (%s upstream) under the public model', async (kind) => {
      const { data, response } = await anthropic.messages
        .create({
          model: MODELS[kind],
          max_tokens: 64,
          system: 'Be brief.',
          messages: [{ role: 'user', content: 'hi' }],
        })
        .withResponse();
      expect(data.type).toBe('message');
      expect(data.model).toBe(MODELS[kind]);
      expect(data.content).toEqual([{ type: 'text', text: REPLY }]);
      expect(data.stop_reason).toBe('end_turn');
      expect(data.usage.output_tokens).toBeGreaterThan(0);
      const seen = upstream.requests.at(-1);
      expect(seen?.path).toBe(path[kind]);
      expect((seen?.body?.messages as unknown[] | undefined)?.[0]).toEqual({ role: 'system', content: 'Be brief.' });
      const event = await eventually(() => gw.auditEventFor(response.headers.get('x-gatehouse-request-id') as string));
      expect(event.usage?.completion_tokens).toBe(data.usage.output_tokens);
    });

    it.each(['chat', 'ollama'] as const)(
      'carries a system turn inside messages as a system message in its place (%s upstream, as Claude Code 2.1 sends)',
      async (kind) => {
        // The SDK's types know no system turn; Claude Code sends one anyway, and so does this request.
        const systemTurn = {
          role: 'system',
          content: 'Reminder: answer in one line.',
        } as unknown as Anthropic.MessageParam;
        const data = await anthropic.messages.create({
          model: MODELS[kind],
          max_tokens: 64,
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: 'hello' },
            systemTurn,
            { role: 'user', content: 'again' },
          ],
        });
        expect(data.content).toEqual([{ type: 'text', text: REPLY }]);
        const sent = (upstream.requests.at(-1)?.body?.messages ?? []) as Array<{ role: string; content: unknown }>;
        expect(sent.map((message) => [message.role, message.content])).toEqual([
          ['user', 'hi'],
          ['assistant', 'hello'],
          ['system', 'Reminder: answer in one line.'],
          ['user', 'again'],
        ]);
      },
    );

    it.each(['chat', 'ollama'] as const)('streams the Messages event sequence (%s upstream)', async (kind) => {
      const stream = anthropic.messages.stream({
        model: MODELS[kind],
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      });
      const types: string[] = [];
      stream.on('streamEvent', (event) => types.push(event.type));
      const final = await stream.finalMessage();
      expect(final.content).toEqual([{ type: 'text', text: REPLY }]);
      expect(final.model).toBe(MODELS[kind]);
      expect(final.stop_reason).toBe('end_turn');
      expect(final.usage.input_tokens).toBeGreaterThan(0);
      expect(final.usage.output_tokens).toBeGreaterThan(0);
      expect(types[0]).toBe('message_start');
      expect(types[1]).toBe('content_block_start');
      expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    });

    it.each(['chat', 'ollama'] as const)('round-trips a tool use and its result (%s upstream)', async (kind) => {
      upstream.toolCall = { name: 'get_weather', arguments: '{"city":"Paris"}' };
      const first = await anthropic.messages.create({
        model: MODELS[kind],
        max_tokens: 64,
        tools: [weatherTool],
        messages: [{ role: 'user', content: 'weather?' }],
      });
      expect(first.stop_reason).toBe('tool_use');
      const use = first.content.find((block) => block.type === 'tool_use');
      expect(use).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
      if (use?.type !== 'tool_use') throw new Error('no tool use');
      const second = await anthropic.messages.create({
        model: MODELS[kind],
        max_tokens: 64,
        tools: [weatherTool],
        messages: [
          { role: 'user', content: 'weather?' },
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18°C, sunny' }] },
        ],
      });
      expect(second.content).toEqual([{ type: 'text', text: REPLY }]);
      const sent = upstream.requests.at(-1)?.body?.messages as Array<Record<string, unknown>>;
      expect(sent.map((message) => message.role)).toEqual(['user', 'assistant', 'tool']);
      if (kind === 'chat') {
        expect(sent[2]).toEqual({ role: 'tool', tool_call_id: use.id, content: '18°C, sunny' });
        expect(upstream.requests.at(-1)?.body?.tools).toEqual([
          {
            type: 'function',
            function: { name: 'get_weather', description: 'Weather for a city', parameters: weatherTool.input_schema },
          },
        ]);
      }
    });

    it('streams a tool use as input_json_delta events (chat upstream)', async () => {
      upstream.toolCall = { name: 'get_weather', arguments: '{"city":"Paris"}' };
      const stream = anthropic.messages.stream({
        model: MODELS.chat,
        max_tokens: 64,
        tools: [weatherTool],
        messages: [{ role: 'user', content: 'weather?' }],
      });
      const partials: string[] = [];
      stream.on('inputJson', (partial) => partials.push(partial));
      const final = await stream.finalMessage();
      expect(partials.join('')).toBe('{"city":"Paris"}');
      expect(final.stop_reason).toBe('tool_use');
      expect(final.content.find((block) => block.type === 'tool_use')).toMatchObject({ input: { city: 'Paris' } });
    });

    it('ends a stream cut mid-way with an in-band error, never message_stop', async () => {
      upstream.fail({ type: 'cut', afterChunks: 2 });
      const stream = anthropic.messages.stream({
        model: MODELS.chat,
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      });
      const types: string[] = [];
      stream.on('streamEvent', (event) => types.push(event.type));
      await expect(stream.finalMessage()).rejects.toThrow(/stream ended before/);
      expect(types).not.toContain('message_stop');
    });
  });

  describe('chat-family clients on an Anthropic upstream', () => {
    it('answers a chat completion, with cached tokens in the usage', async () => {
      const data = await openai.chat.completions.create({
        model: MODELS.anthropic,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hi' },
        ],
      });
      expect(data.model).toBe(MODELS.anthropic);
      expect(data.choices[0]?.message.content).toBe(REPLY);
      expect(data.choices[0]?.finish_reason).toBe('stop');
      expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
      const seen = upstream.requests.at(-1);
      expect(seen?.path).toBe('/v1/messages');
      expect(seen?.body).toMatchObject({
        model: 'claude-sonnet-4-5',
        system: 'Be brief.',
        max_tokens: 4096,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      });
      expect(seen?.headers['x-api-key']).toBe('sk-ant-fake');
    });

    it('streams chat chunks with the usage chunk when asked', async () => {
      const stream = await openai.chat.completions.create({
        model: MODELS.anthropic,
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined = null;
      let finish: string | null = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe(REPLY);
      expect(finish).toBe('stop');
      expect(usage?.completion_tokens).toBeGreaterThan(0);
    });

    it('round-trips a tool call and its result as tool_use and tool_result blocks', async () => {
      upstream.toolCall = { name: 'get_weather', arguments: '{"city":"Paris"}' };
      const tools = [
        {
          type: 'function' as const,
          function: { name: 'get_weather', description: 'Weather for a city', parameters: weatherTool.input_schema },
        },
      ];
      const first = await openai.chat.completions.create({
        model: MODELS.anthropic,
        tools,
        messages: [{ role: 'user', content: 'weather?' }],
      });
      const call = first.choices[0]?.message.tool_calls?.[0];
      expect(first.choices[0]?.finish_reason).toBe('tool_calls');
      if (call?.type !== 'function') throw new Error('no tool call');
      expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
      const second = await openai.chat.completions.create({
        model: MODELS.anthropic,
        tools,
        messages: [
          { role: 'user', content: 'weather?' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: call.id, content: '18°C, sunny' },
        ],
      });
      expect(second.choices[0]?.message.content).toBe(REPLY);
      expect(upstream.requests.at(-1)?.body?.messages).toEqual([
        { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: call.id, name: 'get_weather', input: { city: 'Paris' } }],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '18°C, sunny' }] },
      ]);
    });

    it('serves a Responses client through chat', async () => {
      const data = await openai.responses.create({ model: MODELS.anthropic, input: 'hi', store: false });
      expect(data.output_text).toBe(REPLY);
      expect(data.model).toBe(MODELS.anthropic);
      expect(upstream.requests.at(-1)?.path).toBe('/v1/messages');
    });

    it('streams a Responses client through chat: typed events in order, final usage, one audit event', async () => {
      const { data: stream, response } = await openai.responses
        .create({ model: MODELS.anthropic, instructions: 'Be brief.', input: 'hi', stream: true, store: false })
        .withResponse();
      const events: ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      const seen = upstream.requests.at(-1);
      expect(seen?.path).toBe('/v1/messages');
      expect(seen?.body).toMatchObject({ model: 'claude-sonnet-4-5', system: 'Be brief.', stream: true });

      expect(events.map((event) => event.type)).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        ...REPLY.split(/(?<= )/).map(() => 'response.output_text.delta'),
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
      expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
      const text = events.flatMap((event) => (event.type === 'response.output_text.delta' ? [event.delta] : []));
      expect(text.join('')).toBe(REPLY);

      const done = events.at(-1) as Extract<ResponseStreamEvent, { type: 'response.completed' }>;
      expect(done.response).toMatchObject({
        model: MODELS.anthropic,
        status: 'completed',
        output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: REPLY }] }],
      });
      const usage = done.response.usage;
      // The fake Anthropic upstream reports 3 cache writes and 5 cache reads beside the uncached input, and one
      // output token per word: the Responses usage counts every input token, the cache reads as cached.
      expect(usage?.input_tokens_details.cached_tokens).toBe(5);
      expect(usage?.input_tokens).toBeGreaterThan(8);
      expect(usage?.output_tokens).toBe(REPLY.split(' ').length);
      expect(usage?.total_tokens).toBe((usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0));

      const requestId = response.headers.get('x-gatehouse-request-id') as string;
      const audited = await eventually(async () => {
        const found = (await gw.auditEvents()).filter((event) => event.request_id === requestId);
        return found.length > 0 ? found : undefined;
      });
      expect(audited).toHaveLength(1);
      expect(audited[0]).toMatchObject({
        status: 200,
        outcome: 'success',
        surface: 'llm.responses',
        upstream: { id: 'anthropic', target: 'claude-sonnet-4-5' },
      });
      expect(audited[0]?.meta).toMatchObject({ model: MODELS.anthropic, stream: true, truncated: false });
      expect(audited[0]?.usage).toMatchObject({
        prompt_tokens: usage?.input_tokens,
        completion_tokens: usage?.output_tokens,
        cache_read_tokens: 5,
        cache_write_tokens: 3,
      });
    });
  });

  describe('failover between kinds, and refusals', () => {
    const anthropicFails = { when: (request: { path: string }) => request.path === '/v1/messages' };

    it('a Messages client fails over from the Anthropic target to the OpenAI one, translated', async () => {
      upstream.fail({ type: 'status', status: 500 }, anthropicFails);
      const data = await anthropic.messages.create({
        model: MODELS.mixed,
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(data.content).toEqual([{ type: 'text', text: REPLY }]);
      expect(upstream.requests.map((request) => request.path)).toEqual(['/v1/messages', '/v1/chat/completions']);
    });

    it('a chat client fails over from the Anthropic target to the OpenAI one, streaming', async () => {
      upstream.fail({ type: 'status', status: 500 }, anthropicFails);
      const stream = await openai.chat.completions.create({
        model: MODELS.mixed,
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe(REPLY);
      expect(upstream.requests.map((request) => request.path)).toEqual(['/v1/messages', '/v1/chat/completions']);
    });

    it("refuses a server tool on a translated model in Anthropic's envelope, before admission", async () => {
      const response = await fetch(`${gw.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: {
          'x-api-key': anthropic.apiKey as string,
          'content-type': 'application/json',
          'anthropic-version': '2023-06-01',
        },
        body: JSON.stringify({
          model: MODELS.chat,
          max_tokens: 64,
          tools: [{ type: 'web_search_20250305', name: 'web_search' }],
          messages: [{ role: 'user', content: 'news?' }],
        }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { type: string; error: { type: string; message: string } };
      expect(body.type).toBe('error');
      expect(body.error.type).toBe('invalid_request_error');
      expect(body.error.message).toContain('web_search');
      expect(upstream.requests).toEqual([]);
    });
  });
});
