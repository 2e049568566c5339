/**
 * @module `${NAME}` references in config values, so secrets (upstream headers, webhook tokens) never sit in the
 * YAML file: each is replaced by the environment variable's value at start, and a reference to an unset variable is
 * a config error naming the field.
 */
import { ConfigError } from './errors.ts';

/** Replaces `${NAME}` with the variable's value; a reference to an unset variable is an error. */
export function substituteEnv(value: string, env: NodeJS.ProcessEnv, field: string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_whole, name: string) => {
    const resolved = env[name];
    if (resolved === undefined) throw new ConfigError(field, `references \${${name}}, which is not set`);
    return resolved;
  });
}

/** `substituteEnv` over every value of a map (headers, env); the field names each entry. */
export function substituteEnvAll(
  map: Record<string, string> | undefined,
  env: NodeJS.ProcessEnv,
  field: string,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(map ?? {}).map(([name, value]) => [name, substituteEnv(value, env, `${field}.${name}`)]),
  );
}
