import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A checkout of another revision whose `bench/server.ts` can start that revision's gateway. */
export interface BaseCheckout {
  ref: string;
  commit: string;
  entry: string;
  dispose(): void;
}

const REPO = join(import.meta.dirname, '..');

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/**
 * Checks `ref` out into a temporary git worktree that shares this checkout's `node_modules` (so a base whose
 * dependencies differ runs with the current ones). Returns why not, instead, when this is no git checkout or the
 * ref is unknown: the comparison is then skipped, not the bench.
 */
export function checkOutBase(ref: string): BaseCheckout | { skipped: string } {
  let commit: string;
  try {
    commit = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    return { skipped: `${ref} is not a revision of a git checkout here` };
  }
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-base-'));
  const dispose = () => {
    try {
      git(['worktree', 'remove', '--force', dir]);
    } catch {
      rmSync(dir, { recursive: true, force: true });
      git(['worktree', 'prune']);
    }
  };
  try {
    git(['worktree', 'add', '--detach', '--force', dir, commit]);
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  } catch (error) {
    dispose();
    return { skipped: `could not check out ${ref}: ${(error as Error).message.split('\n')[0]}` };
  }
  const entry = join(dir, 'bench', 'server.ts');
  if (!existsSync(entry)) {
    dispose();
    return { skipped: `${ref} has no bench/server.ts` };
  }
  return { ref, commit: commit.slice(0, 12), entry, dispose };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Alternates short runs of the two targets, flipping which goes first each round, and returns each round's
 * results. A host whose speed drifts (shared cores, a neighbour's load) moves both sides of a round alike, so the
 * per-round ratio and its median say more than two long runs minutes apart.
 */
export async function interleave<T>(
  rounds: number,
  run: (side: 'base' | 'current') => Promise<T>,
): Promise<{ base: T[]; current: T[] }> {
  const base: T[] = [];
  const current: T[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      base.push(await run('base'));
      current.push(await run('current'));
    } else {
      current.push(await run('current'));
      base.push(await run('base'));
    }
  }
  return { base, current };
}
