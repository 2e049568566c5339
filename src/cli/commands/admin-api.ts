/**
 * @module How the commands that work through a running gateway reach it: the gateway is `--url`, else
 * `GATEHOUSE_URL`, else the host and port of the same config the server reads; the admin token comes from
 * `GATEHOUSE_ADMIN_TOKEN` (never argv, where `ps` shows it). Calls go through the typed admin client.
 */
import type { Command } from 'commander';
import { createAdminClient, errorOf } from '../../client/index.ts';
import { loadConfig } from '../../config/index.ts';
import { CliError, configPathOf } from '../run.ts';

export function clientFor(command: Command) {
  const options = command.optsWithGlobals() as { url?: string };
  const token = process.env.GATEHOUSE_ADMIN_TOKEN;
  if (!token) throw new CliError('set GATEHOUSE_ADMIN_TOKEN to an admin token (gatehouse admin token create)', 2);
  let url = options.url ?? process.env.GATEHOUSE_URL;
  if (!url) {
    const config = loadConfig({ configPath: configPathOf(command) });
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    url = `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
  }
  return { client: createAdminClient({ baseUrl: url.replace(/\/+$/, ''), token }), url };
}

/**
 * An API call's data, or a CliError with the catalog message (exit 1), or "cannot reach" when nothing answers.
 * `run` only sends: bodies are built (and their usage errors thrown) before it.
 */
export async function call<T>(
  url: string,
  run: () => Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await run();
  } catch {
    throw new CliError(`cannot reach the gateway at ${url} (is it running? --url or GATEHOUSE_URL names another)`);
  }
  if (!result.response.ok) {
    const error = errorOf(result.error, result.response.status);
    throw new CliError(`${error.message} (${error.code})`);
  }
  return result.data as T;
}
