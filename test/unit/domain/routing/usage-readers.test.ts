import { describe, expect, it } from 'vitest';
import { readOpenAIUsage, readResponsesUsage } from '../../../../src/domain/routing/index.ts';

describe('usage readers: cache and reasoning details', () => {
  it('reads chat prompt_tokens_details.cached_tokens and completion_tokens_details.reasoning_tokens', () => {
    const usage = readOpenAIUsage({
      prompt_tokens: 1200,
      completion_tokens: 300,
      total_tokens: 1500,
      prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 192 },
    });
    expect(usage).toEqual({
      prompt_tokens: 1200,
      completion_tokens: 300,
      total_tokens: 1500,
      cache_read_tokens: 1024,
      reasoning_tokens: 192,
    });
  });

  it('reads Responses input_tokens_details.cached_tokens and output_tokens_details.reasoning_tokens', () => {
    const usage = readResponsesUsage({
      input_tokens: 900,
      input_tokens_details: { cached_tokens: 512 },
      output_tokens: 70,
      output_tokens_details: { reasoning_tokens: 64 },
      total_tokens: 970,
    });
    expect(usage).toEqual({
      prompt_tokens: 900,
      completion_tokens: 70,
      total_tokens: 970,
      cache_read_tokens: 512,
      reasoning_tokens: 64,
    });
  });

  it('leaves the subsets out when absent, zero or malformed, and caps them by their totals', () => {
    expect(readOpenAIUsage({ prompt_tokens: 5, completion_tokens: 1, prompt_tokens_details: null })).toEqual({
      prompt_tokens: 5,
      completion_tokens: 1,
      total_tokens: 6,
    });
    const zero = readResponsesUsage({ input_tokens: 5, output_tokens: 1, input_tokens_details: { cached_tokens: 0 } });
    expect(zero?.cache_read_tokens).toBeUndefined();
    const odd = readOpenAIUsage({
      prompt_tokens: 10,
      completion_tokens: 4,
      prompt_tokens_details: { cached_tokens: 'many' },
      completion_tokens_details: { reasoning_tokens: 40 },
    });
    expect(odd?.cache_read_tokens).toBeUndefined();
    expect(odd?.reasoning_tokens).toBe(4);
  });
});
