/**
 * @module `gatehouse team|key prompt-log …`: the prompt-log opt-in of a team and of a key, written to their
 * settings as `limits set` writes limits, so every instance applies a change on its next snapshot poll (≤ 1 s).
 * A key's own setting wins over its team's: `key prompt-log off` opts one key out of its team's opt-in, and
 * `key prompt-log inherit` removes the key's own setting so the team's applies again.
 */
import type { Command } from 'commander';
import { parseDuration } from '../../domain/keys/index.ts';
import { ValidationError } from '../../identity/index.ts';
import { promptLogTtlProblem, resolvePromptLogOptIn } from '../../prompt-log/index.ts';
import { keysRepository, scopeSettingsRepository, tenantsRepository } from '../../store/index.ts';
import { type CliIo, type Services, withServices } from '../run.ts';
import { subcommand } from './limits.ts';

interface Target {
  table: 'teams' | 'virtual_keys';
  id: string;
  label: string;
  /** The team a key belongs to, whose setting applies when the key has none; null for a team. */
  teamId: string | null;
}

type Options = { ttl?: string; json?: boolean } & Record<string, string>;
type Resolve = (services: Services, reference: string, options: Options) => Promise<Target>;

/** `--ttl` as whole seconds the operator's cap allows. */
function ttlSeconds(value: string | undefined, maxTtlS: number): number {
  const ms = value === undefined ? null : parseDuration(value);
  if (ms === null) throw new ValidationError('--ttl', `"${value ?? ''}" is not a duration like 7d, 12h or 90m`);
  const problem = promptLogTtlProblem(ms / 1000, maxTtlS);
  if (problem !== null) throw new ValidationError('--ttl', problem);
  return ms / 1000;
}

/** Writes the setting (`null`: none of its own) and prints what applies now. */
async function apply(io: CliIo, services: Services, target: Target, setting: { ttl_s: number } | null, json?: boolean) {
  const settings = await scopeSettingsRepository.updateSettings(
    services.store.write,
    target.table,
    target.id,
    (all) => {
      const { prompt_log: _previous, ...rest } = all;
      return setting === null ? rest : { ...rest, prompt_log: setting };
    },
  );
  await print(io, services, target, settings, json);
}

async function print(
  io: CliIo,
  services: Services,
  target: Target,
  settings: Record<string, unknown>,
  json?: boolean,
): Promise<void> {
  const own = settings.prompt_log ?? null;
  const team =
    target.teamId === null
      ? own
      : ((await scopeSettingsRepository.readSettings(services.store.read, 'teams', target.teamId)).prompt_log ?? null);
  const resolved =
    target.table === 'teams'
      ? resolvePromptLogOptIn(undefined, own, services.config.telemetry.promptLogMaxTtlS)
      : resolvePromptLogOptIn(own, team, services.config.telemetry.promptLogMaxTtlS);
  const effective = resolved === null ? null : { source: resolved.source, ttl_s: resolved.ttlMs / 1000 };
  if (json) {
    const id = target.table === 'teams' ? { id: target.id } : { key_id: target.id, team_prompt_log: team };
    io.out(JSON.stringify({ ...id, prompt_log: own, effective }));
    return;
  }
  const state =
    effective === null ? 'off' : `on (${effective.source} setting), entries kept ${effective.ttl_s} seconds`;
  io.out(`${target.label}: prompt logging ${state}`);
}

function register(parent: Command, io: CliIo, argument: (command: Command) => Command, resolve: Resolve): Command {
  const group = parent
    .command('prompt-log')
    .description('Opt-in prompt logging (applies on every instance within 1 s)');
  const run =
    (action: (services: Services, target: Target, options: Options) => Promise<void>) =>
    async (reference: string, options: Options, command: Command) => {
      await withServices(command, async (services) =>
        action(services, await resolve(services, reference, options), options),
      );
    };
  argument(group.command('set').description('Opt in: keep each call for --ttl'))
    .requiredOption('--ttl <duration>', "how long each entry is kept, e.g. 7d (at most the operator's cap)")
    .option('--json', 'print JSON')
    .action(
      run((services, target, options) => {
        const ttl = ttlSeconds(options.ttl, services.config.telemetry.promptLogMaxTtlS);
        return apply(io, services, target, { ttl_s: ttl }, options.json === true);
      }),
    );
  argument(group.command('show').description('Show the setting and what applies'))
    .option('--json', 'print JSON')
    .action(
      run(async (services, target, options) => {
        const settings = await scopeSettingsRepository.readSettings(services.store.read, target.table, target.id);
        await print(io, services, target, settings, options.json === true);
      }),
    );
  return group;
}

const teamArgument = (command: Command) =>
  command.argument('<team>', 'team name or id').requiredOption('--tenant <tenant>', 'tenant name or id');

const resolveTeam: Resolve = async (services, reference, options) => {
  const tenant = await tenantsRepository.findTenant(services.store.write, options.tenant ?? '');
  const team = await tenantsRepository.findTeam(services.store.write, tenant.id, reference);
  return { table: 'teams', id: team.id, label: `team ${team.name}`, teamId: null };
};

const keyArgument = (command: Command) => command.argument('<key>', 'key id or prefix');

const resolveKey: Resolve = async (services, reference) => {
  const key = await keysRepository.findKey(services.store.write, reference);
  return { table: 'virtual_keys', id: key.id, label: `key ${key.prefix}…`, teamId: key.teamId };
};

/** A subcommand that writes one fixed setting (`null`: remove the target's own). */
function addFixed(
  group: Command,
  io: CliIo,
  [name, description, setting]: readonly [string, string, { ttl_s: number } | null],
  argument: (command: Command) => Command,
  resolve: Resolve,
): void {
  argument(group.command(name).description(description))
    .option('--json', 'print JSON')
    .action(async (reference: string, options: Options, command: Command) => {
      await withServices(command, async (services) =>
        apply(io, services, await resolve(services, reference, options), setting, options.json === true),
      );
    });
}

export function registerPromptLogCommands(program: Command, io: CliIo): void {
  const team = register(subcommand(program, 'team'), io, teamArgument, resolveTeam);
  addFixed(
    team,
    io,
    ['off', 'Opt the team out; its keys with a setting of their own keep it', null],
    teamArgument,
    resolveTeam,
  );
  const key = register(subcommand(program, 'key'), io, keyArgument, resolveKey);
  addFixed(key, io, ['off', 'Opt the key out, even when its team opted in', { ttl_s: 0 }], keyArgument, resolveKey);
  addFixed(key, io, ['inherit', "Remove the key's own setting: its team's applies", null], keyArgument, resolveKey);
}
