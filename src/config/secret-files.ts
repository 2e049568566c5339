import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.ts';

/**
 * Secrets an operator may hand over as a file instead of a variable: `<NAME>_FILE=/run/secrets/…` (Docker and
 * Compose secrets, Kubernetes Secret volumes). A file keeps the value out of `docker inspect`, `/proc/<pid>/environ`
 * of the entrypoint and the orchestrator's manifests.
 */
export const FILE_SECRETS = [
  'GATEHOUSE_MASTER_KEY',
  'GATEHOUSE_PREVIOUS_MASTER_KEYS',
  'DATABASE_WRITE_URL',
  'DATABASE_READ_URL',
  'REDIS_URL',
] as const;

/**
 * Returns `env` with each `<NAME>_FILE` of `FILE_SECRETS` read into `<NAME>` (one trailing newline removed, as
 * `echo` and editors leave one). Setting both forms, or naming a file that cannot be read or is empty, is a
 * `ConfigError` naming the variable.
 */
export function readSecretFiles(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  let resolved: NodeJS.ProcessEnv | null = null;
  for (const name of FILE_SECRETS) {
    const path = env[`${name}_FILE`];
    if (path === undefined) continue;
    if (env[name] !== undefined) throw new ConfigError(`${name}_FILE`, `cannot be set together with ${name}`);
    let value: string;
    try {
      value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new ConfigError(`${name}_FILE`, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    if (value === '') throw new ConfigError(`${name}_FILE`, `${path} is empty`);
    resolved ??= { ...env };
    resolved[name] = value;
  }
  return resolved ?? env;
}
