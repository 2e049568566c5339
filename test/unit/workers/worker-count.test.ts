import { describe, expect, it } from 'vitest';
import { MAX_WORKERS, parseWorkerCount, WorkerCountError } from '../../../src/workers/worker-count.ts';

describe('--workers', () => {
  it('takes a whole number, or auto for one per core', () => {
    expect(parseWorkerCount('1')).toBe(1);
    expect(parseWorkerCount('4')).toBe(4);
    expect(parseWorkerCount('auto', () => 6)).toBe(6);
    expect(parseWorkerCount('auto', () => 500)).toBe(MAX_WORKERS);
  });

  it('refuses zero, negatives, fractions, words and absurd counts, naming the flag', () => {
    for (const value of ['0', '-1', '1.5', 'two', '', ' 2', '0x2', '1e1', String(MAX_WORKERS + 1)]) {
      expect(() => parseWorkerCount(value), value).toThrow(WorkerCountError);
      expect(() => parseWorkerCount(value), value).toThrow(/--workers/);
    }
  });
});
