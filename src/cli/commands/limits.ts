import type { Command } from 'commander';
import {
  addLimitFlags,
  type BudgetStatus,
  InvalidLimitSettingsError,
  type LimitFlagValues,
  mergeLimitSettings,
  parseLimitFlags,
  readBudgetStatus,
  ScopeLimitCompiler,
} from '../../admission/index.ts';
import { keysRepository, scopeSettingsRepository, tenantsRepository } from '../../store/index.ts';
import { CliError, type CliIo, type Services, withServices } from '../run.ts';

type LimitsOptions = LimitFlagValues & { clear?: boolean; json?: boolean };
type SettingsTarget = { table: scopeSettingsRepository.SettingsTable; id: string; label: string };

const LEVELS = { tenants: 'tenant', teams: 'team', virtual_keys: 'key' } as const;

/** The existing `name` command of `program`, or a new one (`team` and `key` are registered by several modules). */
export function subcommand(program: Command, name: string): Command {
  const found = program.commands.find((command) => command.name() === name);
  return found ?? program.command(name);
}

async function applyLimits(
  services: Services,
  target: SettingsTarget,
  options: LimitsOptions,
): Promise<Record<string, unknown>> {
  const patch = parseLimitFlags(options);
  return scopeSettingsRepository.updateSettings(services.store.write, target.table, target.id, (current) =>
    mergeLimitSettings(current, patch, options.clear === true),
  );
}

function printLimits(
  io: CliIo,
  target: SettingsTarget,
  settings: Record<string, unknown>,
  json?: boolean,
  status?: BudgetStatus[],
): void {
  const view = {
    limits: settings.limits ?? {},
    budgets: settings.budgets ?? {},
    ...(status === undefined ? {} : { budget_status: status }),
  };
  if (json) {
    io.out(JSON.stringify({ [target.table === 'virtual_keys' ? 'key_id' : 'id']: target.id, ...view }));
    return;
  }
  io.out(`${target.label}: limits ${JSON.stringify(view.limits)} budgets ${JSON.stringify(view.budgets)}`);
  for (const line of status ?? []) io.out(`  ${describeBudget(line)}`);
}

const WINDOW_WORDS = { daily: 'today', monthly: 'this month', total: 'in all' } as const;

function describeBudget(status: BudgetStatus): string {
  const amount = (value: number) => (status.budget === 'usd' ? `$${value.toFixed(6)}` : String(value));
  const unit = status.budget === 'usd' ? 'USD' : 'tokens';
  const window = status.since === null ? '' : ` (since ${status.since}, resets ${status.resets_at})`;
  return `${unit} ${status.window}: used ${amount(status.used)} of ${amount(status.limit)} ${WINDOW_WORDS[status.window]}, ${amount(status.remaining)} remaining${window}`;
}

function addSetCommand(
  parent: Command,
  io: CliIo,
  describe: (command: Command) => Command,
  resolve: (services: Services, reference: string, options: Record<string, string>) => Promise<SettingsTarget>,
): void {
  const limits = parent.command('limits').description('Rate limits and budgets (apply on every instance within 1 s)');
  const set = describe(
    limits
      .command('set')
      .description('Set limits and budgets; flags not given keep their value, --clear removes all first')
      .option('--clear', 'remove every limit and budget before applying the flags')
      .option('--json', 'print JSON'),
  );
  addLimitFlags(set).action(async (reference: string, options: LimitsOptions & Record<string, string>, command) => {
    await withServices(command, async (services) => {
      const target = await resolve(services, reference, options);
      printLimits(io, target, await applyLimits(services, target, options), options.json);
    });
  });
  const show = limits
    .command('show')
    .description('Show limits and budgets, with each budget used and remaining in its current UTC window (ledger)')
    .option('--json', 'print JSON');
  describe(show).action(
    async (reference: string, options: { json?: boolean } & Record<string, string>, command: Command) => {
      await withServices(command, async (services) => {
        const target = await resolve(services, reference, options);
        const current = await scopeSettingsRepository.readSettings(services.store.read, target.table, target.id);
        // The config file's defaults count too (admission merges them under the scope's own settings), so the
        // status lists every budget enforced here, not only the ones stored on the row.
        const compiler = new ScopeLimitCompiler(services.config.file.limits ?? {});
        const scope = { level: LEVELS[target.table], id: target.id, settings: current };
        let status: BudgetStatus[];
        try {
          status = await readBudgetStatus(services.store, compiler, scope);
        } catch (error) {
          if (!(error instanceof InvalidLimitSettingsError)) throw error;
          // The settings are what the operator needs to see to fix them; only the status cannot be computed.
          printLimits(io, target, current, options.json);
          throw new CliError(error.message, 1);
        }
        printLimits(io, target, current, options.json, status);
      });
    },
  );
}

/** `gatehouse tenant|team|key limits set|show`: limits and budgets of each level (keys also take them at create). */
export function registerLimitCommands(program: Command, io: CliIo): void {
  addSetCommand(
    subcommand(program, 'tenant'),
    io,
    (command) => command.argument('<tenant>', 'tenant name or id'),
    async (services, reference) => {
      const tenant = await tenantsRepository.findTenant(services.store.write, reference);
      return { table: 'tenants', id: tenant.id, label: `tenant ${tenant.name}` };
    },
  );
  addSetCommand(
    subcommand(program, 'team'),
    io,
    (command) => command.argument('<team>', 'team name or id').requiredOption('--tenant <tenant>', 'tenant name or id'),
    async (services, reference, options) => {
      const tenant = await tenantsRepository.findTenant(services.store.write, options.tenant ?? '');
      const team = await tenantsRepository.findTeam(services.store.write, tenant.id, reference);
      return { table: 'teams', id: team.id, label: `team ${team.name}` };
    },
  );
  addSetCommand(
    subcommand(program, 'key'),
    io,
    (command) => command.argument('<key>', 'key id or prefix'),
    async (services, reference) => {
      const key = await keysRepository.findKey(services.store.write, reference);
      return { table: 'virtual_keys', id: key.id, label: `key ${key.prefix}…` };
    },
  );
}
