import { describe, expect, it } from 'vitest';
import {
  chatToResponse,
  createChatToResponsesStream,
  createResponsesPassthrough,
  invalidInputItem,
  type JsonObject,
  planResponsesCall,
  responsesToChatBody,
  type StreamTransform,
  statefulFeature,
  type TranslateContext,
} from '../../../../src/domain/routing/index.ts';

const ctx: TranslateContext = {
  requestId: 'req-1',
  publicModel: 'public',
  upstreamModel: 'upstream',
  now: () => 1_700_000_000_000,
  startedAt: 1_700_000_000_000,
};

/** Runs bytes through a transform in two pieces and returns the events it wrote, parsed. */
function run(transform: StreamTransform, text: string): { events: JsonObject[]; complete: boolean } {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  const cut = Math.floor(bytes.length / 3);
  transform.push(bytes.subarray(0, cut), out);
  transform.push(bytes.subarray(cut), out);
  const complete = transform.end(out);
  const events = Buffer.concat(out)
    .toString('utf8')
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as JsonObject);
  return { events, complete };
}

const sse = (...chunks: unknown[]) =>
  chunks.map((chunk) => `data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`).join('');
const delta = (value: JsonObject, finish: string | null = null) => ({
  choices: [{ index: 0, delta: value, finish_reason: finish }],
});

const codexHistory: JsonObject = {
  model: 'public',
  instructions: 'You are a coding agent.',
  store: false,
  input: [
    { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'be brief' }] },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'list files' }] },
    { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'opaque' },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Running ls.' }] },
    { type: 'function_call', call_id: 'c1', name: 'shell', arguments: '{"cmd":["ls"]}' },
    { type: 'function_call', call_id: 'c2', name: 'shell', arguments: '{"cmd":["pwd"]}' },
    { type: 'function_call_output', call_id: 'c1', output: 'a.txt' },
    { type: 'function_call_output', call_id: 'c2', output: '/work' },
  ],
  tools: [{ type: 'function', name: 'shell', description: 'run', parameters: { type: 'object' }, strict: false }],
  tool_choice: 'auto',
  max_output_tokens: 100,
};

describe('Responses request → chat completion', () => {
  it('maps instructions, messages, parallel calls and their outputs, tools and the output ceiling', () => {
    const chat = responsesToChatBody(codexHistory, ctx, true);
    expect(chat.messages).toEqual([
      { role: 'system', content: 'You are a coding agent.' },
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'list files' },
      {
        role: 'assistant',
        content: 'Running ls.',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'shell', arguments: '{"cmd":["ls"]}' } },
          { id: 'c2', type: 'function', function: { name: 'shell', arguments: '{"cmd":["pwd"]}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'a.txt' },
      { role: 'tool', tool_call_id: 'c2', content: '/work' },
    ]);
    expect(chat.tools).toEqual([
      {
        type: 'function',
        function: { name: 'shell', description: 'run', parameters: { type: 'object' }, strict: false },
      },
    ]);
    expect(chat).toMatchObject({ model: 'upstream', max_tokens: 100, tool_choice: 'auto', stream: true });
    expect(chat.stream_options).toEqual({ include_usage: true });
    expect(chat.store).toBeUndefined();
  });

  it('keeps images and structured output', () => {
    const chat = responsesToChatBody(
      {
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'what is this?' },
              { type: 'input_image', image_url: 'data:image/png;base64,AAAA' },
            ],
          },
        ],
        text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
      },
      ctx,
      false,
    );
    expect((chat.messages as JsonObject[])[0]?.content).toEqual([
      { type: 'text', text: 'what is this?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
    ]);
    expect(chat.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
    });
  });

  it('names what needs an upstream that keeps state or hosts tools', () => {
    expect(statefulFeature(codexHistory)).toBeNull();
    expect(statefulFeature({ previous_response_id: 'resp_1' })).toBe('previous_response_id');
    expect(statefulFeature({ tools: [{ type: 'web_search' }] })).toBeNull();
    expect(statefulFeature({ tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } })).toBe(
      'tool_choice of type web_search',
    );
    expect(statefulFeature({ input: [{ type: 'item_reference', id: 'x' }] })).toBe(
      'input items of type item_reference',
    );
  });

  it('finds a function_call_output without its call, and malformed items, by path', () => {
    expect(invalidInputItem(codexHistory)).toBeNull();
    const orphan = { input: [{ type: 'function_call_output', call_id: 'nope', output: 'x' }] };
    expect(invalidInputItem(orphan)?.param).toBe('input.0.call_id');
    expect(invalidInputItem({ ...orphan, previous_response_id: 'resp_1' })).toBeNull();
    expect(invalidInputItem({ input: [{ role: 'robot', content: 'x' }] })?.param).toBe('input.0.role');
    expect(invalidInputItem({ input: [{ type: 'function_call', call_id: 'c', name: 'f' }] })?.param).toBe(
      'input.0.arguments',
    );
  });
});

describe('Responses tools on chat', () => {
  const body = {
    tools: [
      { type: 'function', name: 'exec', parameters: { type: 'object' } },
      { type: 'namespace', name: 'agents', description: 'x', tools: [{ type: 'function', name: 'spawn' }] },
      { type: 'web_search', external_web_access: true },
    ],
    input: [
      { role: 'user', content: 'go' },
      { type: 'function_call', call_id: 'c1', name: 'spawn', namespace: 'agents', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c1', output: 'ok' },
    ],
  };

  it('offers function and namespaced functions, leaves hosted tools out, and names namespaced calls back', () => {
    const chat = responsesToChatBody(body, ctx, false);
    expect((chat.tools as JsonObject[]).map((tool) => (tool.function as JsonObject).name)).toEqual([
      'exec',
      'agents__spawn',
    ]);
    expect((chat.messages as JsonObject[])[1]?.tool_calls).toEqual([
      { id: 'c1', type: 'function', function: { name: 'agents__spawn', arguments: '{}' } },
    ]);
    const reply = chatToResponse(
      {
        choices: [
          {
            message: { tool_calls: [{ id: 'c2', function: { name: 'agents__spawn', arguments: '{}' } }] },
            finish_reason: 'tool_calls',
          },
        ],
      },
      body,
      ctx,
    );
    expect(reply.output).toMatchObject([{ type: 'function_call', name: 'spawn', namespace: 'agents', call_id: 'c2' }]);
  });
});

describe('chat completion → Responses object', () => {
  it('turns text, reasoning, tool calls and usage into output items; length into incomplete', () => {
    const chat = {
      choices: [
        {
          message: {
            role: 'assistant',
            content: 'Hi',
            reasoning_content: 'thinking',
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          finish_reason: 'length',
        },
      ],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 5,
        total_tokens: 15,
        prompt_tokens_details: { cached_tokens: 4 },
        completion_tokens_details: { reasoning_tokens: 2 },
      },
    };
    const response = chatToResponse(chat, { model: 'public', instructions: 'x' }, ctx);
    expect(response).toMatchObject({
      object: 'response',
      model: 'public',
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      instructions: 'x',
      usage: {
        input_tokens: 10,
        input_tokens_details: { cached_tokens: 4 },
        output_tokens: 5,
        output_tokens_details: { reasoning_tokens: 2 },
        total_tokens: 15,
      },
    });
    expect((response.output as JsonObject[]).map((item) => item.type)).toEqual([
      'reasoning',
      'message',
      'function_call',
    ]);
    expect((response.output as JsonObject[])[2]).toMatchObject({ call_id: 'call_1', name: 'f', arguments: '{}' });
  });
});

describe('chat SSE → Responses events', () => {
  it('emits the typed events in order, numbered, ending with response.completed and the usage', () => {
    const transform = createChatToResponsesStream({ model: 'public' }, ctx);
    const { events, complete } = run(
      transform,
      sse(
        delta({ role: 'assistant', reasoning_content: 'hmm' }),
        delta({ content: 'Hel' }),
        delta({ content: 'lo' }),
        delta({
          tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a"' } }],
        }),
        delta({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, 'tool_calls'),
        { choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } },
        '[DONE]',
      ),
    );
    expect(complete).toBe(true);
    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.reasoning_text.delta',
      'response.reasoning_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const last = events.at(-1)?.response as JsonObject;
    expect(last).toMatchObject({ status: 'completed', model: 'public', usage: { input_tokens: 3, output_tokens: 4 } });
    expect((last.output as JsonObject[])[2]).toMatchObject({
      type: 'function_call',
      arguments: '{"a":1}',
      call_id: 'call_1',
    });
    expect(transform.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  it('ends with response.incomplete at the token limit, and with response.failed then error when cut', () => {
    const limited = run(createChatToResponsesStream({}, ctx), sse(delta({ content: 'a' }, 'length'), '[DONE]'));
    expect(limited.events.at(-1)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
    });
    const cut = createChatToResponsesStream({}, ctx);
    const partial = run(cut, sse(delta({ content: 'a' })));
    expect(partial.complete).toBe(false);
    const out: Buffer[] = [];
    cut.fail('upstream_stream_truncated', 'cut', out);
    const tail = Buffer.concat(out).toString('utf8');
    expect(tail).toContain('event: response.failed');
    expect(tail).toContain('event: error');
    expect(tail).not.toContain('response.completed');
  });

  it('flags garbage and in-band errors as faults', () => {
    expect(run(createChatToResponsesStream({}, ctx), sse('not json')).events).toEqual([]);
    const garbage = createChatToResponsesStream({}, ctx);
    run(garbage, sse('not json'));
    expect(garbage.fault).toBe('bad_response');
    const failed = createChatToResponsesStream({}, ctx);
    run(failed, sse({ error: { message: 'boom' } }));
    expect(failed.fault).toBe('upstream_error');
  });
});

describe('Responses passthrough', () => {
  const upstreamEvents = [
    { type: 'response.created', sequence_number: 0, response: { id: 'r', model: 'upstream', output: [], novel: 1 } },
    { type: 'response.output_text.delta', sequence_number: 1, delta: 'Hi', item_id: 'm', output_index: 0 },
    {
      type: 'response.completed',
      sequence_number: 2,
      response: { id: 'r', model: 'upstream', usage: { input_tokens: 5, output_tokens: 2, total_tokens: 7 } },
    },
  ];
  const text = upstreamEvents.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('');

  it('reports the public model, keeps unknown members and deltas, and reads the usage', () => {
    const transform = createResponsesPassthrough('public');
    const { events, complete } = run(transform, text);
    expect(complete).toBe(true);
    expect(events[0]).toEqual({ ...upstreamEvents[0], response: { id: 'r', model: 'public', output: [], novel: 1 } });
    expect(events[1]).toEqual(upstreamEvents[1]);
    expect(transform.usage).toEqual({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
  });

  it('reports how the response ended as its finish reason: the status, or why it is incomplete', () => {
    const completed = createResponsesPassthrough('public');
    run(completed, text);
    expect(completed.finishReason).toBe('completed');
    const cut = text.replace(
      /event: response\.completed\ndata: .*\n\n$/,
      `event: response.incomplete\ndata: ${JSON.stringify({
        type: 'response.incomplete',
        sequence_number: 2,
        response: { id: 'r', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
      })}\n\n`,
    );
    const incomplete = createResponsesPassthrough('public');
    expect(run(incomplete, cut).complete).toBe(true);
    expect(incomplete.finishReason).toBe('max_output_tokens');
    const unfinished = createResponsesPassthrough('public');
    unfinished.push(Buffer.from(text.slice(0, text.indexOf('event: response.completed'))), []);
    expect(unfinished.finishReason).toBeNull();
  });

  it('keeps the output text deltas only when asked', () => {
    const kept = createResponsesPassthrough('public');
    kept.keepText(1024);
    run(kept, text);
    expect(kept.text?.value).toBe('Hi');
  });

  it('numbers its failure events after the upstream last one', () => {
    const transform = createResponsesPassthrough('public');
    const out: Buffer[] = [];
    transform.push(Buffer.from(text.slice(0, text.indexOf('event: response.completed'))), out);
    expect(transform.end(out)).toBe(false);
    const tail: Buffer[] = [];
    transform.fail('upstream_stream_truncated', 'cut', tail);
    const numbers = [
      ...Buffer.concat(tail)
        .toString('utf8')
        .matchAll(/"sequence_number":(\d+)/g),
    ].map((m) => m[1]);
    expect(numbers).toEqual(['2', '3']);
  });
});

describe('planResponsesCall', () => {
  it('passes through to a Responses upstream with only the model swapped', () => {
    const body = { model: 'public', input: 'hi', unknown_field: { keep: true } };
    const plan = planResponsesCall('responses.create', 'responses', body, ctx, { reasoning: false });
    expect(plan.operation).toBe('responses.create');
    expect(plan.body).toEqual({ ...body, model: 'upstream' });
    // The reply's bytes pass through; its model name is replaced in them (see public-model.test.ts).
    expect(plan.translateResponse).toBeNull();
  });

  it('goes through chat to an Ollama upstream, streaming through both translations', () => {
    const plan = planResponsesCall('responses.create', 'ollama', { input: 'hi', stream: true }, ctx, {
      reasoning: false,
    });
    expect(plan.operation).toBe('ollama.chat');
    expect(plan.body).toMatchObject({ model: 'upstream', messages: [{ role: 'user', content: 'hi' }] });
    const ndjson = [
      { model: 'upstream', message: { role: 'assistant', content: 'Hi' }, done: false },
      {
        model: 'upstream',
        message: { role: 'assistant', content: '' },
        done: true,
        done_reason: 'stop',
        prompt_eval_count: 2,
        eval_count: 1,
      },
    ]
      .map((line) => `${JSON.stringify(line)}\n`)
      .join('');
    const transform = plan.createStreamTransform();
    const { events, complete } = run(transform, ndjson);
    expect(complete).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { output: [{ type: 'message' }] } });
    expect(transform.usage).toEqual({ prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 });
  });
});
