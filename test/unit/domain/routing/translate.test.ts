import { describe, expect, it } from 'vitest';
import {
  createOllamaToOpenAIStream,
  createOpenAIToOllamaStream,
  decodeEmbeddingBase64,
  encodeEmbeddingBase64,
  extractUpstreamMessage,
  isStreamingRequest,
  type JsonObject,
  ollamaChatToOpenAIChat,
  openAIChatToOllama,
  openAIChatToOllamaChat,
  planUpstreamCall,
  readOllamaTags,
  readOpenAIModelList,
  redactSecrets,
  type StreamTransform,
  type TranslateContext,
  toOllamaTags,
  toOpenAIModelList,
} from '../../../../src/domain/routing/index.ts';

const ctx: TranslateContext = {
  requestId: 'req1',
  publicModel: 'public',
  upstreamModel: 'upstream',
  now: () => 1_700_000_000_000,
  startedAt: 1_700_000_000_000 - 5,
};

function feedSplit(transform: StreamTransform, bytes: Buffer, cut: number): { text: string; complete: boolean } {
  const out: Buffer[] = [];
  transform.push(bytes.subarray(0, cut), out);
  transform.push(bytes.subarray(cut), out);
  const complete = transform.end(out);
  return { text: Buffer.concat(out).toString('utf8'), complete };
}

const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as JsonObject);
const events = (text: string) =>
  text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => block.slice(6))
    .map((data) => (data === '[DONE]' ? data : (JSON.parse(data) as JsonObject)));

describe('request translation', () => {
  it('OpenAI chat → Ollama chat maps options, roles, images, tools and formats', () => {
    const out = openAIChatToOllama(
      {
        messages: [
          { role: 'developer', content: 'rules' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'see' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
              { type: 'image_url', image_url: { url: 'https://x/y.png' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"q":1}' } }],
          },
        ],
        max_completion_tokens: 12,
        stop: 'END',
        seed: 3,
        tools: [{ type: 'function', function: { name: 'f' } }],
        response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object' } } },
        logit_bias: { 1: 2 },
      },
      ctx,
      false,
    );
    expect(out).toEqual({
      model: 'upstream',
      stream: false,
      messages: [
        { role: 'system', content: 'rules' },
        { role: 'user', content: 'see', images: ['AAAA'] },
        { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: { q: 1 } } }] },
      ],
      options: { num_predict: 12, stop: ['END'], seed: 3 },
      tools: [{ type: 'function', function: { name: 'f' } }],
      format: { type: 'object' },
    });
  });

  it('Ollama chat → OpenAI chat gives tool results the ids of the calls they answer', () => {
    const out = ollamaChatToOpenAIChat(
      {
        messages: [
          { role: 'user', content: 'hi', images: ['/9j/abc'] },
          {
            role: 'assistant',
            content: '',
            tool_calls: [{ function: { name: 'a', arguments: {} } }, { function: { name: 'b', arguments: { x: 1 } } }],
          },
          { role: 'tool', content: 'ra' },
          { role: 'tool', content: 'rb' },
        ],
        options: { num_predict: 4, temperature: 0.5, top_k: 3 },
        format: 'json',
        keep_alive: '1m',
      },
      ctx,
      true,
    );
    const messages = out.messages as JsonObject[];
    expect(messages[0]?.content).toEqual([
      { type: 'text', text: 'hi' },
      { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/abc' } },
    ]);
    const calls = messages[1]?.tool_calls as Array<{ id: string; function: { arguments: string } }>;
    expect(calls[1]?.function.arguments).toBe('{"x":1}');
    expect(messages[2]?.tool_call_id).toBe(calls[0]?.id);
    expect(messages[3]?.tool_call_id).toBe(calls[1]?.id);
    expect(out).toMatchObject({
      max_tokens: 4,
      temperature: 0.5,
      stream_options: { include_usage: true },
      response_format: { type: 'json_object' },
    });
    expect(out).not.toHaveProperty('top_k');
    expect(out).not.toHaveProperty('keep_alive');
  });

  it('same-dialect plans keep unknown fields and always request stream usage', () => {
    const body = { model: 'public', messages: [], stream: true, vendor_flag: true, stream_options: { extra: 1 } };
    const plan = planUpstreamCall('openai.chat', 'openai', body, ctx, { reasoning: false });
    expect(plan.body).toEqual({ ...body, model: 'upstream', stream_options: { extra: 1, include_usage: true } });
    expect(plan.clientWantsUsage).toBe(false);
    expect(plan.translateResponse).toBeNull();
    expect(body.stream_options).toEqual({ extra: 1 });
  });

  it('decides streaming per dialect', () => {
    expect(isStreamingRequest('openai.chat', {})).toBe(false);
    expect(isStreamingRequest('ollama.chat', {})).toBe(true);
    expect(isStreamingRequest('ollama.generate', { stream: false })).toBe(false);
    expect(isStreamingRequest('ollama.embed', { stream: true })).toBe(false);
  });
});

describe('response translation', () => {
  it('OpenAI chat completion → Ollama chat with counters', () => {
    const out = openAIChatToOllamaChat(
      {
        choices: [
          {
            message: { content: 'yo', tool_calls: [{ function: { name: 'f', arguments: 'not json' } }] },
            finish_reason: 'length',
          },
        ],
        usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 },
      },
      ctx,
    );
    expect(out).toMatchObject({
      model: 'public',
      message: { role: 'assistant', content: 'yo', tool_calls: [{ function: { name: 'f', arguments: {} } }] },
      done: true,
      done_reason: 'length',
      prompt_eval_count: 2,
      eval_count: 1,
      total_duration: 5_000_000,
    });
  });

  it('round-trips base64 embeddings', () => {
    const vector = [0.5, -1.25, 3];
    expect(decodeEmbeddingBase64(encodeEmbeddingBase64(vector))).toEqual(vector);
    expect(
      decodeEmbeddingBase64(
        Buffer.concat([Buffer.from([1]), Buffer.from(encodeEmbeddingBase64(vector), 'base64')])
          .subarray(1)
          .toString('base64'),
      ),
    ).toEqual(vector);
  });

  it('builds and reads model listings', () => {
    const models = [{ id: 'llama3' }];
    expect(toOpenAIModelList(models, 1_000_000)).toEqual({
      object: 'list',
      data: [{ id: 'llama3', object: 'model', created: 1000, owned_by: 'gatehouse' }],
    });
    const tags = toOllamaTags(models, 0) as { models: JsonObject[] };
    expect(tags.models[0]).toMatchObject({ name: 'llama3', model: 'llama3', size: 0 });
    expect(readOllamaTags(tags).map((model) => model.id)).toEqual(['llama3']);
    expect(readOpenAIModelList({ data: [{ id: 1 }, { id: 'x' }] })).toEqual([
      { id: 'x', created: undefined, owned_by: undefined },
    ]);
    expect(readOpenAIModelList('junk')).toEqual([]);
  });
});

const OPENAI_SSE = Buffer.from(
  [
    'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"Hé"}}]}',
    'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{\\"a\\""}}]}}]}',
    'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]},"finish_reason":"tool_calls"}]}',
    'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}',
    'data: [DONE]',
    '',
  ].join('\n\n'),
);

describe('stream translation', () => {
  it('OpenAI SSE → Ollama NDJSON reassembles tool calls and closes with counts, at any split', () => {
    for (let cut = 0; cut <= OPENAI_SSE.length; cut += 7) {
      const { text, complete } = feedSplit(createOpenAIToOllamaStream('chat', ctx), OPENAI_SSE, cut);
      expect(complete).toBe(true);
      const out = lines(text);
      expect(out[0]).toMatchObject({ model: 'public', message: { content: 'Hé' }, done: false });
      expect(out[1]).toMatchObject({ message: { tool_calls: [{ function: { name: 'f', arguments: { a: 1 } } }] } });
      expect(out[2]).toMatchObject({ done: true, prompt_eval_count: 3, eval_count: 4 });
    }
  });

  it('OpenAI SSE → Ollama generate, truncated: no done line, an error line instead', () => {
    const transform = createOpenAIToOllamaStream('generate', ctx);
    const out: Buffer[] = [];
    transform.push(Buffer.from('data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n'), out);
    expect(transform.end(out)).toBe(false);
    transform.fail('upstream_stream_truncated', 'cut', out);
    const result = lines(Buffer.concat(out).toString());
    expect(result).toEqual([expect.objectContaining({ response: 'Hi', done: false }), { error: 'cut' }]);
    expect(transform.completionChars).toBe(2);
  });

  const OLLAMA_NDJSON = Buffer.from(
    '{"message":{"role":"assistant","content":"Hi"},"done":false}\n' +
      '{"message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":{"x":1}}}]},"done":false}\n' +
      '{"message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":5,"eval_count":2}\n',
  );

  it('Ollama NDJSON → OpenAI SSE emits role first, tool calls, finish, usage when asked, then [DONE]', () => {
    for (let cut = 0; cut <= OLLAMA_NDJSON.length; cut += 5) {
      const { text, complete } = feedSplit(createOllamaToOpenAIStream('chat', ctx, true), OLLAMA_NDJSON, cut);
      expect(complete).toBe(true);
      const out = events(text);
      expect(out[0]).toMatchObject({
        id: 'chatcmpl-req1',
        model: 'public',
        choices: [{ delta: { role: 'assistant', content: 'Hi' } }],
      });
      expect(out[1]).toMatchObject({
        choices: [{ delta: { tool_calls: [{ index: 0, function: { name: 'f', arguments: '{"x":1}' } }] } }],
      });
      expect(out[2]).toMatchObject({ choices: [{ finish_reason: 'tool_calls' }] });
      expect(out[3]).toMatchObject({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } });
      expect(out[4]).toBe('[DONE]');
    }
  });

  it('Ollama NDJSON → OpenAI completions without usage chunk when not asked', () => {
    const input = Buffer.from(
      '{"response":"Hi","done":false}\n{"response":"","done":true,"done_reason":"length","eval_count":1}\n',
    );
    const { text } = feedSplit(createOllamaToOpenAIStream('completions', ctx, false), input, 3);
    const out = events(text);
    expect(out).toHaveLength(3);
    expect(out[1]).toMatchObject({ object: 'text_completion', choices: [{ finish_reason: 'length' }] });
  });

  it('flags garbage in a translated stream', () => {
    const transform = createOllamaToOpenAIStream('chat', ctx, false);
    transform.push(Buffer.from('<html>\n'), []);
    expect(transform.fault).toBe('bad_response');
  });
});

describe('redaction and estimates', () => {
  it('never lets a key through, known or key-shaped', () => {
    const text = 'bad key sk-proj-abcdefghijk and Bearer abc.def and api_key=hunter2 and my-secret-value';
    const out = redactSecrets(text, ['my-secret-value']);
    expect(out).not.toMatch(/sk-proj-abcdefghijk|abc\.def|hunter2|my-secret-value/);
    expect(redactSecrets('x'.repeat(1000), []).length).toBeLessThanOrEqual(301);
  });

  it('extracts a message only from JSON error bodies', () => {
    expect(extractUpstreamMessage('{"error":{"message":"too long"}}')).toBe('too long');
    expect(extractUpstreamMessage('{"error":"model not found"}')).toBe('model not found');
    expect(extractUpstreamMessage('<html>Authorization: Bearer x</html>')).toBeNull();
    expect(extractUpstreamMessage('[1]')).toBeNull();
  });
});
