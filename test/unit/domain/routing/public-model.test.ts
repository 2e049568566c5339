/**
 * Issue 13: the `model` a client reads is the name it asked for. The rename replaces only the top-level `model`
 * string's bytes of whole documents and events, and the passthrough streams apply it per parsed event, so an
 * upstream read split anywhere (inside the name, inside a multi-byte character) still yields the public name.
 */
import { describe, expect, it } from 'vitest';
import {
  createAnthropicPassthrough,
  createOllamaPassthrough,
  createOpenAIPassthrough,
  findTopLevelString,
  PublicModelName,
  type StreamTransform,
} from '../../../../src/domain/routing/index.ts';

function run(transform: StreamTransform, bytes: Buffer, cut: number): string {
  const out: Buffer[] = [];
  transform.push(bytes.subarray(0, cut), out);
  transform.push(bytes.subarray(cut), out);
  expect(transform.end(out)).toBe(true);
  return Buffer.concat(out).toString('utf8');
}

describe('PublicModelName', () => {
  const rename = new PublicModelName('house-llama');

  it('replaces the top-level model string in place, keeping every other byte', () => {
    const reply = '{"id":"x", "model" :  "llama3.1:8b","choices":[],"extra":{"keep":[1.50,2e3]}}';
    expect(rename.apply(Buffer.from(reply)).toString()).toBe(reply.replace('"llama3.1:8b"', '"house-llama"'));
  });

  it('renames a dated snapshot the upstream reports, not only the configured target', () => {
    const event = 'data: {"object":"chat.completion.chunk","model":"gpt-4o-mini-2024-07-18","choices":[]}\n\n';
    expect(rename.apply(Buffer.from(event)).toString()).toBe(event.replace('gpt-4o-mini-2024-07-18', 'house-llama'));
  });

  it('never touches a nested model (a tool argument is output, not a name) or a model inside a string', () => {
    const line =
      '{"message":{"tool_calls":[{"function":{"arguments":{"model":"llama3.1:8b"}}}],"content":"\\"model\\":\\"x\\""},"model":"llama3.1:8b"}\n';
    const renamed = rename.apply(Buffer.from(line)).toString();
    expect(JSON.parse(renamed)).toEqual({ ...JSON.parse(line), model: 'house-llama' });
  });

  it('returns the same buffer when the name is already public, absent or not a string', () => {
    for (const text of ['{"model":"house-llama"}', '{"data":[]}', '{"model":null}', 'data: [DONE]\n\n', '[1]']) {
      const bytes = Buffer.from(text);
      expect(rename.apply(bytes)).toBe(bytes);
    }
  });

  it('renames the top-level name even when a nested model already holds the public one', () => {
    const event = '{"tool":{"model":"house-llama"},"model":"llama3.1:8b","after":{"model":"house-llama"}}';
    expect(JSON.parse(rename.apply(Buffer.from(event)).toString())).toEqual({
      ...JSON.parse(event),
      model: 'house-llama',
    });
    const spaced = Buffer.from(
      'data: {"model" : "house-llama", "choices":[{"delta":{"content":"\\"model\\":1"}}]}\n\n',
    );
    expect(rename.apply(spaced)).toBe(spaced);
  });

  it('writes a public name holding quotes, backslashes and non-ASCII as valid JSON', () => {
    const odd = new PublicModelName('a"b\\c→d');
    expect(JSON.parse(odd.apply(Buffer.from('{"model":"x"}')).toString())).toEqual({ model: 'a"b\\c→d' });
  });

  it('finds a top-level string after large arrays, and only at the top level', () => {
    const body = Buffer.from(JSON.stringify({ data: [{ model: 'no' }, [1, 2, 3]], model: 'yes' }));
    const span = findTopLevelString(body, 'model');
    expect(span === null ? null : body.toString('utf8', span.start, span.end)).toBe('"yes"');
    expect(findTopLevelString(Buffer.from('{"data":{"model":"no"}}'), 'model')).toBeNull();
  });
});

describe('passthrough streams name the public model at any split of the upstream reads', () => {
  const rename = new PublicModelName('house-llama');

  it('OpenAI SSE', () => {
    const stream = Buffer.from(
      [
        'data: {"id":"c","model":"llama3.1:8b","choices":[{"index":0,"delta":{"content":"héllo"}}]}\n\n',
        'data: {"id":"c","model":"llama3.1:8b","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
        'data: [DONE]\n\n',
      ].join(''),
    );
    const expected = stream.toString().replaceAll('llama3.1:8b', 'house-llama');
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(run(createOpenAIPassthrough({ clientWantsUsage: false, publicModel: rename }), stream, cut)).toBe(
        expected,
      );
    }
  });

  it('Ollama NDJSON', () => {
    const stream = Buffer.from(
      '{"model":"llama3.1:8b","message":{"content":"héllo"},"done":false}\n{"model":"llama3.1:8b","done":true,"prompt_eval_count":1,"eval_count":1}\n',
    );
    const expected = stream.toString().replaceAll('llama3.1:8b', 'house-llama');
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(run(createOllamaPassthrough(rename), stream, cut)).toBe(expected);
    }
  });

  it('Anthropic SSE: message_start names the public model even when the upstream reports a snapshot', () => {
    const start = {
      type: 'message_start',
      message: { id: 'm', model: 'claude-x-20250101', usage: { input_tokens: 1 } },
    };
    const stream = Buffer.from(
      `event: message_start\ndata: ${JSON.stringify(start)}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n`,
    );
    for (let cut = 0; cut <= stream.length; cut += 7) {
      const out = run(createAnthropicPassthrough('claude-x'), stream, cut);
      expect(out).toContain('"model":"claude-x"');
      expect(out).not.toContain('20250101');
    }
  });
});
