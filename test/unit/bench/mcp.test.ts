import { describe, expect, it } from 'vitest';
import { percentile } from '../../../bench/mcp.ts';

describe('bench MCP percentiles', () => {
  it('takes the sample at the quantile of a sorted list, the last for p99 of a short one', () => {
    const sorted = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(6);
    expect(percentile(sorted, 0.99)).toBe(10);
    expect(percentile(sorted, 0)).toBe(1);
  });

  it('is NaN for no samples, never a made-up zero', () => {
    expect(percentile([], 0.5)).toBeNaN();
  });
});
