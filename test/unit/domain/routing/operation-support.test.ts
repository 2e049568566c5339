import { describe, expect, it } from 'vitest';
import { type Dialect, type LlmOperation, translatesTo, upstreamServes } from '../../../../src/domain/routing/index.ts';

const ALL: LlmOperation[] = [
  'openai.chat',
  'openai.completions',
  'openai.embeddings',
  'ollama.chat',
  'ollama.generate',
  'ollama.embed',
  'ollama.embeddings',
  'responses.create',
  'responses.compact',
  'anthropic.messages',
  'anthropic.count_tokens',
];

function served(dialects: Dialect[]): LlmOperation[] {
  return ALL.filter((op) => upstreamServes(op, dialects, dialects[0] as Dialect));
}

describe('which operations an upstream kind serves', () => {
  it('an anthropic upstream: conversations only, by passthrough or through chat', () => {
    expect(served(['anthropic'])).toEqual([
      'openai.chat',
      'ollama.chat',
      'ollama.generate',
      'responses.create',
      'anthropic.messages',
      'anthropic.count_tokens',
    ]);
  });

  it('openai and ollama upstreams: everything but the single-dialect operations of others', () => {
    const translatable = ALL.filter((op) => op !== 'responses.compact' && op !== 'anthropic.count_tokens');
    expect(served(['openai'])).toEqual(translatable);
    expect(served(['ollama'])).toEqual(translatable);
    // An OpenAI upstream that declares the Responses API also compacts.
    expect(served(['openai', 'responses'])).toEqual([
      ...translatable.slice(0, 8),
      'responses.compact',
      ...translatable.slice(8),
    ]);
  });

  it('nothing is translated into the Responses API itself', () => {
    expect(ALL.filter((op) => translatesTo(op, 'responses'))).toEqual([]);
  });
});
