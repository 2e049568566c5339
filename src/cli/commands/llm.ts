/**
 * @module `gatehouse llm upstream|model list|add|update|remove` and `gatehouse llm price list|set|remove`: LLM
 * upstreams, model groups and prices, through a running gateway's admin API with the typed client the console uses
 * (src/client), so the CLI, the console and the API cannot disagree on a field (see `admin-api.ts` for how the
 * gateway and the token are found).
 */
import type { Command } from 'commander';
import type { Answer, BodyOf } from '../../client/index.ts';
import { parseDuration } from '../../domain/keys/index.ts';
import { CliError, type CliIo } from '../run.ts';
import { call, clientFor } from './admin-api.ts';
import { registerPriceCommands } from './llm-prices.ts';

type Upstream = Answer<'admin.llm.upstreams.get'>;
type Group = Answer<'admin.llm.model_groups.get'>;
type UpstreamBody = BodyOf<'admin.llm.upstreams.create'>;
type GroupBody = BodyOf<'admin.llm.model_groups.create'>;

function printUpstreams(io: CliIo, upstreams: Upstream[]): void {
  for (const u of upstreams) {
    const health = u.health.reachable ? 'reachable' : `unreachable: ${u.health.reason ?? 'unknown'}`;
    io.out(`${u.id}\t${u.provider}\t${u.base_url}\tkeys=${u.api_key_count}\t${u.source}\t${health}`);
  }
}

function printGroups(io: CliIo, groups: Group[]): void {
  for (const g of groups) {
    const targets = g.targets.map((t) => `${t.upstream}:${t.model}${t.weight === undefined ? '' : `:${t.weight}`}`);
    io.out(`${g.name}\t${targets.join(',')}\t${(g.fallbacks ?? []).join(',') || '-'}\t${g.source}`);
  }
}

/** `upstream:model[:weight]`; the model may itself contain colons (`llama3.1:8b`), so a weight is a trailing number. */
export function parseTarget(text: string): GroupBody['targets'][number] {
  const first = text.indexOf(':');
  if (first <= 0 || first === text.length - 1)
    throw new CliError(`--target ${text}: expected upstream:model[:weight]`, 2);
  const upstream = text.slice(0, first);
  let model = text.slice(first + 1);
  const weight = /:(\d+(?:\.\d+)?)$/.exec(model);
  if (weight?.[1] && model.length > weight[0].length) {
    model = model.slice(0, -weight[0].length);
    return { upstream, model, weight: Number(weight[1]) };
  }
  return { upstream, model };
}

function millis(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === null) throw new CliError(`${flag} ${value}: not a duration (90s, 2m, 1h)`, 2);
  return ms;
}

async function readKeys(io: CliIo, fromStdin: boolean | undefined): Promise<string[] | undefined> {
  if (!fromStdin) return undefined;
  const keys = (await io.readStdin())
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  if (keys.length === 0) throw new CliError('--api-keys-stdin: no key on standard input', 2);
  return keys;
}

interface UpstreamFlags {
  provider?: string;
  baseUrl?: string;
  apiVersion?: string;
  apiKeysStdin?: boolean;
  json?: boolean;
}

interface GroupFlags {
  target?: string[];
  fallback?: string[];
  strategy?: string;
  retries?: string;
  timeout?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerLlmCommands(program: Command, io: CliIo): void {
  const llm = program
    .command('llm')
    .description('LLM upstreams, model groups and prices, through a running gateway (GATEHOUSE_ADMIN_TOKEN)')
    .option('--url <url>', 'the gateway (default GATEHOUSE_URL, else host:port of the config)');

  const upstream = llm.command('upstream').description('Upstream providers');
  upstream
    .command('list')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { client, url } = clientFor(command);
      const page = await call(url, () => client.GET('/admin/v1/llm/upstreams'));
      if (options.json) io.out(JSON.stringify(page.data, null, 2));
      else printUpstreams(io, page.data);
    });
  const upstreamBody = async (id: string, flags: UpstreamFlags, current: Upstream | null): Promise<UpstreamBody> => {
    const provider = flags.provider ?? current?.provider;
    const baseUrl = flags.baseUrl ?? current?.base_url;
    if (!provider || !baseUrl) throw new CliError('--provider and --base-url are required', 2);
    if (!['openai', 'azure-openai', 'ollama', 'anthropic'].includes(provider)) {
      throw new CliError(`--provider ${provider}: one of openai, azure-openai, ollama, anthropic`, 2);
    }
    const apiKeys = await readKeys(io, flags.apiKeysStdin);
    const apiVersion = flags.apiVersion ?? current?.api_version ?? undefined;
    return {
      id,
      provider: provider as UpstreamBody['provider'],
      base_url: baseUrl,
      ...(apiVersion ? { api_version: apiVersion } : {}),
      ...(apiKeys ? { api_keys: apiKeys } : {}),
    };
  };
  const withUpstreamFlags = (command: Command) =>
    command
      .option('--provider <provider>', 'openai | azure-openai | ollama | anthropic')
      .option('--base-url <url>', 'the provider API base URL')
      .option(
        '--api-version <version>',
        'Azure OpenAI api-version, or the anthropic-version an anthropic upstream sends by default',
      )
      .option('--api-keys-stdin', 'read API keys from standard input, one per line (write-only)')
      .option('--json', 'print JSON');
  withUpstreamFlags(upstream.command('add <id>').description('Add an upstream')).action(
    async (id: string, flags: UpstreamFlags, command: Command) => {
      const { client, url } = clientFor(command);
      const body = await upstreamBody(id, flags, null);
      const created = await call(url, () => client.POST('/admin/v1/llm/upstreams', { body }));
      if (flags.json) io.out(JSON.stringify(created, null, 2));
      else printUpstreams(io, [created]);
    },
  );
  withUpstreamFlags(
    upstream.command('update <id>').description('Change an upstream (flags not given are kept)'),
  ).action(async (id: string, flags: UpstreamFlags, command: Command) => {
    const { client, url } = clientFor(command);
    const current = await call(url, () => client.GET('/admin/v1/llm/upstreams/{id}', { params: { path: { id } } }));
    const body = await upstreamBody(id, flags, current);
    const updated = await call(url, () =>
      client.PUT('/admin/v1/llm/upstreams/{id}', { params: { path: { id } }, body }),
    );
    if (flags.json) io.out(JSON.stringify(updated, null, 2));
    else printUpstreams(io, [updated]);
  });
  upstream
    .command('remove <id>')
    .description('Remove an upstream (refused while a model group targets it)')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { client, url } = clientFor(command);
      await call(url, () => client.DELETE('/admin/v1/llm/upstreams/{id}', { params: { path: { id } } }));
      io.out(`removed upstream ${id}`);
    });

  const model = llm.command('model').description('Model groups: the names clients send, routed to upstream models');
  model
    .command('list')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { client, url } = clientFor(command);
      const page = await call(url, () => client.GET('/admin/v1/llm/model_groups'));
      if (options.json) io.out(JSON.stringify(page.data, null, 2));
      else printGroups(io, page.data);
    });
  const groupBody = (name: string, flags: GroupFlags, current: Group | null): GroupBody => {
    const targets = flags.target?.map(parseTarget) ?? current?.targets;
    if (!targets || targets.length === 0) throw new CliError('--target upstream:model is required', 2);
    const strategy = flags.strategy ?? current?.strategy;
    if (strategy !== undefined && strategy !== 'weighted-hash' && strategy !== 'least-busy') {
      throw new CliError(`--strategy ${strategy}: weighted-hash or least-busy`, 2);
    }
    const retries = flags.retries === undefined ? current?.retries : Number(flags.retries);
    if (retries !== undefined && !Number.isInteger(retries)) throw new CliError('--retries: a whole number', 2);
    const timeout = millis('--timeout', flags.timeout) ?? current?.timeout_ms;
    const fallbacks = flags.fallback ?? current?.fallbacks;
    return {
      name,
      targets,
      ...(fallbacks && fallbacks.length > 0 ? { fallbacks } : {}),
      ...(strategy ? { strategy } : {}),
      ...(retries === undefined ? {} : { retries }),
      ...(timeout === undefined ? {} : { timeout_ms: timeout }),
    };
  };
  const withGroupFlags = (command: Command) =>
    command
      .option('--target <upstream:model[:weight]>', 'a target (repeat for several)', collect)
      .option('--fallback <model>', 'a fallback model group (repeat, in order)', collect)
      .option('--strategy <strategy>', 'weighted-hash | least-busy')
      .option('--retries <n>', 'further attempts on another target')
      .option('--timeout <duration>', 'whole exchange, e.g. 120s')
      .option('--json', 'print JSON');
  withGroupFlags(model.command('add <name>').description('Add a model group')).action(
    async (name: string, flags: GroupFlags, command: Command) => {
      const { client, url } = clientFor(command);
      const body = groupBody(name, flags, null);
      const created = await call(url, () => client.POST('/admin/v1/llm/model_groups', { body }));
      if (flags.json) io.out(JSON.stringify(created, null, 2));
      else printGroups(io, [created]);
    },
  );
  withGroupFlags(model.command('update <name>').description('Change a model group (flags not given are kept)')).action(
    async (name: string, flags: GroupFlags, command: Command) => {
      const { client, url } = clientFor(command);
      const path = { params: { path: { id: name } } };
      const current = await call(url, () => client.GET('/admin/v1/llm/model_groups/{id}', path));
      const body = groupBody(name, flags, current);
      const updated = await call(url, () => client.PUT('/admin/v1/llm/model_groups/{id}', { ...path, body }));
      if (flags.json) io.out(JSON.stringify(updated, null, 2));
      else printGroups(io, [updated]);
    },
  );
  model
    .command('remove <name>')
    .description('Remove a model group (refused while another falls back to it)')
    .action(async (name: string, _flags: unknown, command: Command) => {
      const { client, url } = clientFor(command);
      await call(url, () => client.DELETE('/admin/v1/llm/model_groups/{id}', { params: { path: { id: name } } }));
      io.out(`removed model group ${name}`);
    });

  registerPriceCommands(llm, io);
}
