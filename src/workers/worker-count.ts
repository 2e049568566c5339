/**
 * @module `--workers N|auto`: how many request processes `gatehouse serve` runs behind its one port. `auto` is one
 * per core Node may use (`os.availableParallelism()`, which honours CPU affinity; a container's CPU quota is not
 * affinity, so set N there).
 */
import { availableParallelism } from 'node:os';

export class WorkerCountError extends Error {
  constructor(value: string) {
    super(`--workers must be a whole number from 1 to ${MAX_WORKERS}, or auto; got '${value}'`);
    this.name = 'WorkerCountError';
  }
}

/** The upper bound keeps a typo (`--workers 1000`) from forking a thousand gateways. */
export const MAX_WORKERS = 64;

export function parseWorkerCount(value: string, cores: () => number = availableParallelism): number {
  if (value === 'auto') return Math.min(Math.max(1, cores()), MAX_WORKERS);
  if (!/^[0-9]+$/.test(value)) throw new WorkerCountError(value);
  const count = Number(value);
  if (count < 1 || count > MAX_WORKERS) throw new WorkerCountError(value);
  return count;
}
