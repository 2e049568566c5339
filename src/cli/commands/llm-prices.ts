/**
 * @module `gatehouse llm price list|set|remove`: the model price table cost budgets are charged by, through the
 * admin API (`/admin/v1/llm/prices`). A price set here wins over the config file's and the built-in one for that
 * model, on every instance, from the next request on; removing it brings those back.
 */
import type { Command } from 'commander';
import type { Answer, BodyOf } from '../../client/index.ts';
import { CliError, type CliIo } from '../run.ts';
import { call, clientFor } from './admin-api.ts';

type Price = Answer<'admin.llm.prices.get'>;
type PriceBody = BodyOf<'admin.llm.prices.set'>;

interface PriceFlags {
  input?: string;
  output?: string;
  cacheRead?: string;
  cacheWrite?: string;
  reasoning?: string;
  json?: boolean;
}

const SOURCES = ['admin', 'config', 'default'];
// A plain decimal, optionally with an exponent: `1e400` parses, and the gateway refuses it as not finite.
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function printPrices(io: CliIo, prices: Price[]): void {
  for (const p of prices) {
    const source = p.overrides === null ? p.source : `${p.source} (over ${p.overrides})`;
    io.out(
      `${p.model}\tin=${p.input}\tout=${p.output}\tcache_read=${p.cache_read}\tcache_write=${p.cache_write}\treasoning=${p.reasoning}\t${source}`,
    );
  }
}

/**
 * A rate flag as a number; text that is not one is a usage error (exit 2) here, since JSON could not carry it. A
 * negative number is left to the gateway, whose refusal (exit 1) names the field as the API does.
 */
function rate(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const negative = text.startsWith('-');
  if (!DECIMAL.test(negative ? text.slice(1) : text)) {
    throw new CliError(`${flag} ${value}: not a number (USD per million tokens)`, 2);
  }
  return Number(text);
}

function priceBody(flags: PriceFlags): PriceBody {
  const input = rate('--input', flags.input);
  const output = rate('--output', flags.output);
  if (input === undefined || output === undefined) throw new CliError('--input and --output are required', 2);
  const optional: Array<[keyof PriceBody, number | undefined]> = [
    ['cache_read', rate('--cache-read', flags.cacheRead)],
    ['cache_write', rate('--cache-write', flags.cacheWrite)],
    ['reasoning', rate('--reasoning', flags.reasoning)],
  ];
  const body: PriceBody = { input, output };
  for (const [field, value] of optional) if (value !== undefined) body[field] = value;
  return body;
}

export function registerPriceCommands(llm: Command, io: CliIo): void {
  const price = llm
    .command('price')
    .description('Model prices in USD per million tokens: what cost budgets and the usage report charge');
  price
    .command('list')
    .description('Every price in force, with its source (admin, config, default)')
    .option('--source <source>', 'only rows from admin, config or default')
    .option('--json', 'print JSON')
    .action(async (options: { source?: string; json?: boolean }, command: Command) => {
      if (options.source !== undefined && !SOURCES.includes(options.source)) {
        throw new CliError(`--source ${options.source}: one of ${SOURCES.join(', ')}`, 2);
      }
      const { client, url } = clientFor(command);
      const page = await call(url, () => client.GET('/admin/v1/llm/prices'));
      const rows = options.source === undefined ? page.data : page.data.filter((p) => p.source === options.source);
      if (options.json) io.out(JSON.stringify(rows, null, 2));
      else printPrices(io, rows);
    });
  price
    .command('set <model>')
    .description("Set a model's price, over its config or default row")
    .option('--input <usd>', 'per million uncached input tokens (required)')
    .option('--output <usd>', 'per million output tokens (required)')
    .option('--cache-read <usd>', 'per million cache-read tokens (default: the input rate)')
    .option('--cache-write <usd>', 'per million cache-write tokens (default: the input rate)')
    .option('--reasoning <usd>', 'per million reasoning tokens (default: the output rate)')
    .option('--json', 'print JSON')
    .action(async (model: string, flags: PriceFlags, command: Command) => {
      const body = priceBody(flags);
      const { client, url } = clientFor(command);
      const set = await call(url, () =>
        client.PUT('/admin/v1/llm/prices/{model}', { params: { path: { model } }, body }),
      );
      if (flags.json) io.out(JSON.stringify(set, null, 2));
      else printPrices(io, [set]);
    });
  price
    .command('remove <model>')
    .description('Remove a price set here; the config or default row, if any, applies again')
    .action(async (model: string, _flags: unknown, command: Command) => {
      const { client, url } = clientFor(command);
      await call(url, () => client.DELETE('/admin/v1/llm/prices/{model}', { params: { path: { model } } }));
      io.out(`removed the price set for ${model}`);
    });
}
