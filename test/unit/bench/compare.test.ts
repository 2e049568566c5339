import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOutBase, interleave, median } from '../../../bench/compare.ts';

const worktrees = () => execFileSync('git', ['worktree', 'list', '--porcelain'], { encoding: 'utf8' });

describe('bench comparison with a base revision', () => {
  it('skips, saying why, for a revision that does not exist', () => {
    expect(checkOutBase('no-such-revision-anywhere')).toEqual({
      skipped: 'no-such-revision-anywhere is not a revision of a git checkout here',
    });
  });

  it('checks a revision out with its bench entry, and removes the worktree again', () => {
    const checkout = checkOutBase('HEAD');
    if ('skipped' in checkout) throw new Error(checkout.skipped);
    const dir = dirname(dirname(checkout.entry));
    try {
      expect(checkout.commit).toBe(execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).slice(0, 12));
      expect(existsSync(checkout.entry)).toBe(true);
      expect(existsSync(`${dir}/node_modules/fastify`)).toBe(true);
      expect(worktrees()).toContain(dir);
    } finally {
      checkout.dispose();
    }
    expect(existsSync(dir)).toBe(false);
    expect(worktrees()).not.toContain(dir);
  });

  it('alternates which side runs first, round by round', async () => {
    const order: string[] = [];
    const rounds = await interleave(4, async (side) => {
      order.push(side);
      return order.length;
    });
    expect(order).toEqual(['base', 'current', 'current', 'base', 'base', 'current', 'current', 'base']);
    expect(rounds).toEqual({ base: [1, 4, 5, 8], current: [2, 3, 6, 7] });
  });

  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
