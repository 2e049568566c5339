import { describe, expect, it } from 'vitest';
import {
  estimatePromptTokens,
  estimateReservation,
  IMAGE_PART_TOKENS,
  MESSAGE_OVERHEAD_TOKENS,
  REPLY_PRIMING_TOKENS,
} from '../../../../src/domain/limits/index.ts';

const text = (chars: number) => 'x'.repeat(chars);
const DEFAULTS = { defaultMaxOutputTokens: 256 };

describe('estimatePromptTokens', () => {
  it('counts ~4 characters per token plus per-message overhead for chat', () => {
    const body = {
      messages: [
        { role: 'system', content: text(40) },
        { role: 'user', content: text(41) },
      ],
    };
    expect(estimatePromptTokens(body)).toBe(REPLY_PRIMING_TOKENS + 2 * MESSAGE_OVERHEAD_TOKENS + 10 + 11);
  });

  it('reads arrays of content parts and counts images', () => {
    const body = {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: text(80) },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
      ],
    };
    expect(estimatePromptTokens(body)).toBe(REPLY_PRIMING_TOKENS + MESSAGE_OVERHEAD_TOKENS + 20 + IMAGE_PART_TOKENS);
  });

  it('counts Ollama images, tool calls and names', () => {
    const ollama = { messages: [{ role: 'user', content: text(4), images: ['aGk=', 'aGk='] }] };
    expect(estimatePromptTokens(ollama)).toBe(
      REPLY_PRIMING_TOKENS + MESSAGE_OVERHEAD_TOKENS + 1 + 2 * IMAGE_PART_TOKENS,
    );
    const toolCall = { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', function: {} }] }] };
    expect(estimatePromptTokens(toolCall)).toBeGreaterThan(REPLY_PRIMING_TOKENS + MESSAGE_OVERHEAD_TOKENS);
  });

  it('reads completion prompts: a string, strings, token ids', () => {
    expect(estimatePromptTokens({ prompt: text(100) })).toBe(25);
    expect(estimatePromptTokens({ prompt: [text(4), text(8)] })).toBe(3);
    expect(estimatePromptTokens({ prompt: [1, 2, 3] })).toBe(3);
    expect(estimatePromptTokens({ prompt: [[1, 2], [3]] })).toBe(3);
    expect(estimatePromptTokens({ prompt: text(8), system: text(8), suffix: text(4) })).toBe(5);
  });

  it('reads embedding and responses inputs', () => {
    expect(estimatePromptTokens({ input: [text(40), text(40)] })).toBe(20);
    expect(estimatePromptTokens({ input: text(12), instructions: text(8) })).toBe(5);
    expect(estimatePromptTokens({ input: [{ role: 'user', content: text(40) }] })).toBe(MESSAGE_OVERHEAD_TOKENS + 10);
  });

  it('charges tool schemas as input', () => {
    const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }];
    const withTools = estimatePromptTokens({ messages: [], tools });
    expect(withTools).toBe(REPLY_PRIMING_TOKENS + Math.ceil(JSON.stringify(tools).length / 4));
  });

  it('estimates 0 for bodies it does not understand', () => {
    for (const body of [null, undefined, 'text', 42, [], {}, { messages: 'nope' }, { messages: [null, 3] }]) {
      expect(estimatePromptTokens(body)).toBeLessThanOrEqual(REPLY_PRIMING_TOKENS);
    }
  });
});

describe('estimateReservation', () => {
  const chat = { messages: [{ role: 'user', content: text(36) }] };
  const prompt = REPLY_PRIMING_TOKENS + MESSAGE_OVERHEAD_TOKENS + 9;

  it('adds the requested output ceiling, preferring max_completion_tokens', () => {
    expect(estimateReservation({ ...chat, max_tokens: 100 }, DEFAULTS)).toEqual({
      promptTokens: prompt,
      outputTokens: 100,
      totalTokens: prompt + 100,
    });
    expect(estimateReservation({ ...chat, max_tokens: 100, max_completion_tokens: 50 }, DEFAULTS).outputTokens).toBe(
      50,
    );
    expect(estimateReservation({ input: 'hi', max_output_tokens: 70 }, DEFAULTS).outputTokens).toBe(70);
  });

  it("uses Ollama's num_predict, but not its -1/-2 sentinels", () => {
    expect(estimateReservation({ ...chat, options: { num_predict: 64 } }, DEFAULTS).outputTokens).toBe(64);
    expect(estimateReservation({ ...chat, options: { num_predict: -1 } }, DEFAULTS).outputTokens).toBe(256);
    expect(estimateReservation({ ...chat, options: { num_predict: -2 } }, DEFAULTS).outputTokens).toBe(256);
  });

  it('falls back to the default, ignores junk, multiplies by n and applies the cap', () => {
    expect(estimateReservation(chat, DEFAULTS).outputTokens).toBe(256);
    expect(estimateReservation({ ...chat, max_tokens: '100' }, DEFAULTS).outputTokens).toBe(256);
    expect(estimateReservation({ ...chat, max_tokens: 0 }, DEFAULTS).outputTokens).toBe(256);
    expect(estimateReservation({ ...chat, max_tokens: 10.2, n: 3 }, DEFAULTS).outputTokens).toBe(33);
    expect(
      estimateReservation({ ...chat, max_tokens: 1e9 }, { ...DEFAULTS, maxOutputTokensCap: 4_096 }).outputTokens,
    ).toBe(4_096);
  });

  it('counts Responses API function call arguments and tool outputs', () => {
    const history = (output: string) => ({
      input: [
        { type: 'function_call', call_id: 'c', name: 'shell', arguments: text(400) },
        { type: 'function_call_output', call_id: 'c', output },
      ],
    });
    const small = estimatePromptTokens(history(''));
    expect(small).toBeGreaterThanOrEqual(100);
    expect(estimatePromptTokens(history(text(4_000))) - small).toBe(1_000);
  });

  it('reserves no output for embeddings', () => {
    expect(estimateReservation({ input: text(40) }, { ...DEFAULTS, kind: 'embeddings' })).toEqual({
      promptTokens: 10,
      outputTokens: 0,
      totalTokens: 10,
    });
  });

  it('reserves the default output for a body that is not an object', () => {
    expect(estimateReservation('garbage', DEFAULTS)).toEqual({ promptTokens: 0, outputTokens: 256, totalTokens: 256 });
  });
});
