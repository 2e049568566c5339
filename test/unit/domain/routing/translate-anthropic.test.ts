import { describe, expect, it } from 'vitest';
import {
  chatToMessagesBody,
  chatToMessagesResponse,
  createChatToMessagesStream,
  createMessagesToChatStream,
  DEFAULT_ANTHROPIC_MAX_TOKENS,
  type JsonObject,
  messagesServerTool,
  messagesToChatBody,
  messagesToChatResponse,
  planMessagesViaChat,
  planUpstreamCall,
  readAnthropicUsage,
  readOpenAIUsage,
  type StreamTransform,
  type TranslateContext,
} from '../../../../src/domain/routing/index.ts';

const ctx: TranslateContext = {
  requestId: 'req-1',
  publicModel: 'public',
  upstreamModel: 'upstream',
  now: () => 1_700_000_000_000,
  startedAt: 1_700_000_000_000,
};

interface Run {
  /** Each SSE event as `event` name (or null) and parsed data. */
  events: { name: string | null; data: JsonObject | string }[];
  complete: boolean;
}

/** Runs bytes through a transform in three pieces (cuts land mid-event) and parses what it wrote. */
function run(transform: StreamTransform, text: string): Run {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  const cut = Math.floor(bytes.length / 3);
  transform.push(bytes.subarray(0, cut), out);
  transform.push(bytes.subarray(cut, 2 * cut), out);
  transform.push(bytes.subarray(2 * cut), out);
  const complete = transform.end(out);
  const events = Buffer.concat(out)
    .toString('utf8')
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => {
      const name = /^event: (.*)$/m.exec(block)?.[1] ?? null;
      const data = block.slice(block.indexOf('data: ') + 6);
      return { name, data: data === '[DONE]' ? data : (JSON.parse(data) as JsonObject) };
    });
  return { events, complete };
}

const chatSse = (...chunks: unknown[]) =>
  chunks.map((chunk) => `data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`).join('');
const delta = (d: JsonObject, finish: string | null = null) => ({
  id: 'x',
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta: d, finish_reason: finish }],
});
const anthropicSse = (...events: JsonObject[]) =>
  events.map((event) => `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`).join('');

describe('Messages request → chat request', () => {
  const request: JsonObject = {
    model: 'public',
    max_tokens: 300,
    system: [
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Be kind.', cache_control: { type: 'ephemeral' } },
    ],
    temperature: 0.2,
    top_p: 0.9,
    top_k: 5,
    stop_sequences: ['END'],
    metadata: { user_id: 'u-1' },
    tools: [{ name: 'weather', description: 'Weather by city', input_schema: { type: 'object' } }],
    tool_choice: { type: 'any', disable_parallel_tool_use: true },
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
          { type: 'image', source: { type: 'url', url: 'https://example.test/a.png' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 'toolu_2', name: 'weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '3°C' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'down' }], is_error: true },
          { type: 'text', text: 'Compare them.' },
        ],
      },
    ],
  };

  it('maps system, images, tool calls, tool results in order, and the sampling fields', () => {
    const chat = messagesToChatBody(request, ctx, false);
    expect(chat).toEqual({
      model: 'upstream',
      max_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END'],
      user: 'u-1',
      tools: [
        {
          type: 'function',
          function: { name: 'weather', description: 'Weather by city', parameters: { type: 'object' } },
        },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      messages: [
        { role: 'system', content: 'Be brief.\nBe kind.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look:' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } },
            { type: 'image_url', image_url: { url: 'https://example.test/a.png' } },
          ],
        },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '3°C' },
        { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: down' },
        { role: 'user', content: 'Compare them.' },
      ],
    });
  });

  it('maps each tool_choice and asks for the usage chunk on streams', () => {
    const choice = (tool_choice: JsonObject) => messagesToChatBody({ ...request, tool_choice }, ctx, false).tool_choice;
    expect(choice({ type: 'auto' })).toBe('auto');
    expect(choice({ type: 'none' })).toBe('none');
    expect(choice({ type: 'tool', name: 'weather' })).toEqual({ type: 'function', function: { name: 'weather' } });
    const streamed = messagesToChatBody({ model: 'm', max_tokens: 1, messages: [] }, ctx, true);
    expect(streamed.stream).toBe(true);
    expect(streamed.stream_options).toEqual({ include_usage: true });
    expect(streamed.tools).toBeUndefined();
  });

  it('keeps a system turn inside messages as a system message in its place (Claude Code 2.1), never a user turn', () => {
    const body = {
      model: 'm',
      max_tokens: 8,
      system: 'Top.',
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'system',
          content: [
            { type: 'text', text: 'Reminder: ' },
            { type: 'text', text: 'be brief.' },
          ],
        },
        { role: 'assistant', content: 'ok' },
        { role: 'system', content: 'Still brief.' },
        { role: 'system', content: [] },
        { role: 'user', content: 'again' },
      ],
    };
    const expected = [
      { role: 'system', content: 'Top.' },
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'Reminder: \nbe brief.' },
      { role: 'assistant', content: 'ok' },
      { role: 'system', content: 'Still brief.' },
      { role: 'user', content: 'again' },
    ];
    expect(messagesToChatBody(body, ctx, false).messages).toEqual(expected);
    // On to Ollama through the chat pivot: still system messages, in the same places.
    const ollama = planMessagesViaChat('ollama', body, ctx, { reasoning: false });
    expect((ollama.body.messages as JsonObject[]).map((message) => [message.role, message.content])).toEqual(
      expected.map((message) => [message.role, message.content]),
    );
  });

  it('names server tools, which only Anthropic runs', () => {
    expect(messagesServerTool(request)).toBeNull();
    expect(messagesServerTool({ tools: [{ type: 'web_search_20250305', name: 'web_search' }] })).toBe('web_search');
    expect(messagesServerTool({ tools: [{ type: 'custom', name: 'x', input_schema: {} }] })).toBeNull();
  });
});

describe('chat response → Messages response', () => {
  it('maps text, reasoning, tool calls with parsed input, stop reason and cached usage', () => {
    const reply = chatToMessagesResponse(
      {
        model: 'upstream',
        choices: [
          {
            message: {
              role: 'assistant',
              content: 'Here.',
              reasoning_content: 'think',
              tool_calls: [
                { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
              ],
            },
            finish_reason: 'tool_calls',
          },
        ],
        usage: {
          prompt_tokens: 100,
          completion_tokens: 20,
          total_tokens: 120,
          prompt_tokens_details: { cached_tokens: 60 },
        },
      },
      ctx,
    );
    expect(reply).toEqual({
      id: 'msg_req-1',
      type: 'message',
      role: 'assistant',
      model: 'public',
      content: [
        { type: 'thinking', thinking: 'think', signature: '' },
        { type: 'text', text: 'Here.' },
        { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Oslo' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 60, output_tokens: 20 },
    });
  });

  it('maps length to max_tokens and stop to end_turn', () => {
    const finish = (finish_reason: string) =>
      chatToMessagesResponse({ choices: [{ message: { content: 'a' }, finish_reason }] }, ctx).stop_reason;
    expect(finish('length')).toBe('max_tokens');
    expect(finish('stop')).toBe('end_turn');
    expect(finish('content_filter')).toBe('refusal');
  });
});

describe('chat stream → Messages stream', () => {
  it('emits message_start, one block per text run and per tool call, then message_delta and message_stop', () => {
    const { events, complete } = run(
      createChatToMessagesStream(ctx),
      chatSse(
        delta({ role: 'assistant', content: '' }),
        delta({ content: 'Hel' }),
        delta({ content: 'lo' }),
        delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } }] }),
        delta({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }),
        delta({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
        delta({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'g', arguments: '{}' } }] }),
        delta({}, 'tool_calls'),
        { id: 'x', choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } },
        '[DONE]',
      ),
    );
    expect(complete).toBe(true);
    expect(events.map((event) => event.name)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const data = events.map((event) => event.data as JsonObject);
    expect((data[0]!.message as JsonObject).model).toBe('public');
    expect(data[1]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(data[5]).toEqual({
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'call_a', name: 'f', input: {} },
    });
    expect(data[6]).toEqual({
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '{"a":' },
    });
    expect(data[11]).toEqual({ type: 'content_block_stop', index: 2 });
    expect(data[12]).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 5 },
    });
  });

  it('streams reasoning as a thinking block ahead of the text', () => {
    const { events } = run(
      createChatToMessagesStream(ctx),
      chatSse(delta({ reasoning_content: 'hm' }), delta({ content: 'ok' }, 'length'), '[DONE]'),
    );
    const data = events.map((event) => event.data as JsonObject);
    expect(data[1]?.content_block).toEqual({ type: 'thinking', thinking: '', signature: '' });
    expect(data[2]?.delta).toEqual({ type: 'thinking_delta', thinking: 'hm' });
    expect(data[4]?.content_block).toEqual({ type: 'text', text: '' });
    expect(((data.at(-2) as JsonObject).delta as JsonObject).stop_reason).toBe('max_tokens');
  });

  it('never closes a cut stream, and writes the in-band error as an Anthropic error event', () => {
    const cut = createChatToMessagesStream(ctx);
    const partial = run(cut, chatSse(delta({ content: 'a' })));
    expect(partial.complete).toBe(false);
    expect(partial.events.map((event) => event.name)).not.toContain('message_stop');
    const out: Buffer[] = [];
    cut.fail('upstream_truncated', 'the upstream stream ended early', out);
    expect(Buffer.concat(out).toString()).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"the upstream stream ended early","code":"upstream_truncated"}}\n\n',
    );
    const broken = createChatToMessagesStream(ctx);
    run(broken, chatSse('not json'));
    expect(broken.fault).toBe('bad_response');
    const failed = createChatToMessagesStream(ctx);
    run(failed, chatSse({ error: { message: 'boom' } }));
    expect(failed.fault).toBe('upstream_error');
  });

  it('refuses arguments for a tool call it already closed rather than misplace them', () => {
    const transform = createChatToMessagesStream(ctx);
    run(
      transform,
      chatSse(
        delta({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{' } }] }),
        delta({ tool_calls: [{ index: 1, id: 'b', function: { name: 'g', arguments: '{' } }] }),
        delta({ tool_calls: [{ index: 0, function: { arguments: '}' } }] }),
      ),
    );
    expect(transform.fault).toBe('bad_response');
  });
});

describe('chat request → Messages request', () => {
  it('hoists system messages, merges same-role turns, and puts tool results first in their user turn', () => {
    const body = chatToMessagesBody(
      {
        model: 'public',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/' } }] },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'one' },
          { role: 'developer', content: 'Answer in French.' },
          { role: 'user', content: 'And?' },
          { role: 'assistant', content: '' },
        ],
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
        tool_choice: { type: 'function', function: { name: 'f' } },
        parallel_tool_calls: false,
        temperature: 1.5,
        stop: 'END',
        user: 'u-9',
        stream_options: { include_usage: true },
      },
      ctx,
      true,
    );
    expect(body).toEqual({
      model: 'upstream',
      max_tokens: DEFAULT_ANTHROPIC_MAX_TOKENS,
      system: 'Be brief.\n\nAnswer in French.',
      temperature: 1,
      stop_sequences: ['END'],
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
      tool_choice: { type: 'tool', name: 'f', disable_parallel_tool_use: true },
      metadata: { user_id: 'u-9' },
      stream: true,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hi' },
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/' } },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'f', input: { x: 1 } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: 'one' },
            { type: 'text', text: 'And?' },
          ],
        },
      ],
    });
  });

  it('keeps the client ceiling and maps the other tool choices', () => {
    const base = { messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f' } }] };
    expect(chatToMessagesBody({ ...base, max_completion_tokens: 77 }, ctx, false).max_tokens).toBe(77);
    expect(chatToMessagesBody({ ...base, tool_choice: 'required' }, ctx, false).tool_choice).toEqual({ type: 'any' });
    expect(chatToMessagesBody({ ...base, tool_choice: 'none' }, ctx, false).tool_choice).toEqual({ type: 'none' });
    expect(chatToMessagesBody(base, ctx, false).tool_choice).toBeUndefined();
  });
});

describe('Messages response → chat response', () => {
  it('maps blocks, stop reasons and usage with cache reads and writes counted in the prompt', () => {
    const chat = messagesToChatResponse(
      {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude',
        content: [
          { type: 'thinking', thinking: 'hm', signature: 's' },
          { type: 'text', text: 'Sure.' },
          { type: 'tool_use', id: 'toolu_1', name: 'f', input: { x: 1 } },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 10, cache_creation_input_tokens: 5, cache_read_input_tokens: 100, output_tokens: 7 },
      },
      ctx,
    );
    expect(chat).toEqual({
      id: 'chatcmpl-req-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'public',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Sure.',
            reasoning_content: 'hm',
            tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }],
          },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: 115,
        completion_tokens: 7,
        total_tokens: 122,
        prompt_tokens_details: { cached_tokens: 100 },
      },
    });
    expect(
      readAnthropicUsage({
        input_tokens: 10,
        cache_creation_input_tokens: 5,
        cache_read_input_tokens: 100,
        output_tokens: 7,
      }),
    ).toEqual({
      prompt_tokens: 115,
      completion_tokens: 7,
      total_tokens: 122,
      cache_read_tokens: 100,
      cache_write_tokens: 5,
    });
    expect(readAnthropicUsage(undefined)).toBeNull();
  });
});

describe('Messages stream → chat stream', () => {
  const stream = anthropicSse(
    {
      type: 'message_start',
      message: {
        id: 'msg_1',
        model: 'claude',
        content: [],
        usage: { input_tokens: 12, cache_read_input_tokens: 3, output_tokens: 1 },
      },
    },
    { type: 'ping' },
    { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hm' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
    { type: 'content_block_stop', index: 0 },
    { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hi' } },
    { type: 'content_block_stop', index: 1 },
    { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} } },
    { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"x":' } },
    { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '1}' } },
    { type: 'content_block_stop', index: 2 },
    { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } },
    { type: 'message_stop' },
  );

  it('turns blocks into deltas, tool_use into numbered tool calls, and ends with finish, usage and [DONE]', () => {
    const transform = createMessagesToChatStream(ctx, true);
    const { events, complete } = run(transform, stream);
    expect(complete).toBe(true);
    const deltas = events.slice(0, -2).map((event) => {
      const choice = ((event.data as JsonObject).choices as JsonObject[])[0] as JsonObject;
      return [choice.delta, choice.finish_reason];
    });
    expect(deltas).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ reasoning_content: 'hm' }, null],
      [{ content: 'Hi' }, null],
      [{ tool_calls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '' } }] }, null],
      [{ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }, null],
      [{ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }, null],
      [{}, 'tool_calls'],
    ]);
    expect(((events.at(-2) as Run['events'][number]).data as JsonObject).usage).toEqual({
      prompt_tokens: 15,
      completion_tokens: 9,
      total_tokens: 24,
      prompt_tokens_details: { cached_tokens: 3 },
    });
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(events.every((event) => event.data === '[DONE]' || (event.data as JsonObject).model === 'public')).toBe(
      true,
    );
    expect(transform.usage).toEqual({
      prompt_tokens: 15,
      completion_tokens: 9,
      total_tokens: 24,
      cache_read_tokens: 3,
    });
  });

  it('leaves the usage chunk out unless asked, and faults on an error event or a cut stream', () => {
    const quiet = run(createMessagesToChatStream(ctx, false), stream);
    expect(quiet.events.filter((event) => event.data !== '[DONE]' && 'usage' in (event.data as JsonObject))).toEqual(
      [],
    );
    const failed = createMessagesToChatStream(ctx, true);
    run(
      failed,
      anthropicSse(
        { type: 'message_start', message: {} },
        { type: 'error', error: { type: 'overloaded_error', message: 'busy' } },
      ),
    );
    expect(failed.fault).toBe('upstream_error');
    const cut = run(createMessagesToChatStream(ctx, true), stream.slice(0, stream.indexOf('event: message_stop')));
    expect(cut.complete).toBe(false);
    expect(cut.events.map((event) => event.data)).not.toContain('[DONE]');
  });
});

describe('chat usage', () => {
  it('reads the cached prompt and the reasoning completion as subsets', () => {
    expect(
      readOpenAIUsage({
        prompt_tokens: 10,
        completion_tokens: 6,
        total_tokens: 16,
        prompt_tokens_details: { cached_tokens: 4 },
        completion_tokens_details: { reasoning_tokens: 2 },
      }),
    ).toEqual({ prompt_tokens: 10, completion_tokens: 6, total_tokens: 16, cache_read_tokens: 4, reasoning_tokens: 2 });
    expect(readOpenAIUsage({ prompt_tokens: 1, completion_tokens: 1 })).toEqual({
      prompt_tokens: 1,
      completion_tokens: 1,
      total_tokens: 2,
    });
  });
});

describe('plans through the chat pivot', () => {
  const options = { reasoning: false };
  const ollamaNdjson = [
    { model: 'upstream', message: { role: 'assistant', content: 'Hel' }, done: false },
    { model: 'upstream', message: { role: 'assistant', content: 'lo' }, done: false },
    {
      model: 'upstream',
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'stop',
      prompt_eval_count: 7,
      eval_count: 2,
    },
  ]
    .map((line) => `${JSON.stringify(line)}\n`)
    .join('');

  it('serves a Messages request from Ollama: Messages → chat → Ollama and back, stream included', () => {
    const body = {
      model: 'public',
      max_tokens: 50,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    };
    const plan = planMessagesViaChat('ollama', body, ctx, options);
    expect(plan.operation).toBe('ollama.chat');
    expect(plan.body).toMatchObject({
      model: 'upstream',
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
      options: { num_predict: 50 },
    });
    const transform = plan.createStreamTransform();
    const { events, complete } = run(transform, ollamaNdjson);
    expect(complete).toBe(true);
    expect(events.map((event) => event.name)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect((events[5]!.data as JsonObject).usage).toMatchObject({ input_tokens: 7, output_tokens: 2 });
    expect(transform.usage).toEqual({ prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });
    const reply = plan.translateResponse?.({
      model: 'upstream',
      message: { role: 'assistant', content: 'Hello' },
      done: true,
      done_reason: 'length',
      prompt_eval_count: 7,
      eval_count: 2,
    });
    expect(reply).toMatchObject({
      type: 'message',
      model: 'public',
      content: [{ type: 'text', text: 'Hello' }],
      stop_reason: 'max_tokens',
    });
  });

  it('serves an Ollama chat client from a Messages upstream: Ollama → chat → Messages and back', () => {
    const plan = planUpstreamCall(
      'ollama.chat',
      'anthropic',
      { model: 'public', messages: [{ role: 'user', content: 'hi' }] },
      ctx,
      options,
    );
    expect(plan.operation).toBe('anthropic.messages');
    expect(plan.body).toMatchObject({ model: 'upstream', max_tokens: DEFAULT_ANTHROPIC_MAX_TOKENS, stream: true });
    const transform = plan.createStreamTransform();
    const out: Buffer[] = [];
    transform.push(
      Buffer.from(
        anthropicSse(
          { type: 'message_start', message: { usage: { input_tokens: 4, output_tokens: 1 } } },
          { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
          { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
          { type: 'content_block_stop', index: 0 },
          { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } },
          { type: 'message_stop' },
        ),
      ),
      out,
    );
    expect(transform.end(out)).toBe(true);
    const lines = Buffer.concat(out)
      .toString()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as JsonObject);
    expect(lines.map((line) => (line.message as JsonObject | undefined)?.content ?? null).join('')).toBe('Hi');
    expect(lines.at(-1)).toMatchObject({ model: 'public', done: true, prompt_eval_count: 4, eval_count: 3 });
    expect(transform.usage).toEqual({ prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 });
    expect(() => planUpstreamCall('openai.embeddings', 'anthropic', { input: 'x' }, ctx, options)).toThrow(TypeError);
    expect(plan.readUsage({ usage: { input_tokens: 2, output_tokens: 1 } })).toEqual({
      prompt_tokens: 2,
      completion_tokens: 1,
      total_tokens: 3,
    });
  });
});
