import type { Command } from 'commander';
import { buildUsageReport, parseGroupBy, UsageQueryError } from '../../admission/index.ts';
import { ValidationError } from '../../identity/index.ts';
import { keysRepository, tenantsRepository, type UsageRow } from '../../store/index.ts';
import { type CliIo, type Services, withServices } from '../run.ts';

interface UsageOptions {
  tenant?: string;
  team?: string;
  key?: string;
  model?: string;
  session?: string;
  since?: string;
  until?: string;
  groupBy?: string;
  json?: boolean;
}

function describeRow(row: UsageRow): string {
  const labels = [
    row.day,
    row.tenant_id,
    row.team_id,
    row.key_id,
    row.model === '' ? '(no model)' : row.model,
    row.session === '' ? '(no session)' : row.session,
  ]
    .filter((label) => label !== undefined)
    .join('  ');
  const details = [
    `prompt ${row.prompt_tokens}`,
    `completion ${row.completion_tokens}`,
    ...(row.cache_read_tokens > 0 ? [`cache read ${row.cache_read_tokens}`] : []),
    ...(row.cache_write_tokens > 0 ? [`cache write ${row.cache_write_tokens}`] : []),
    ...(row.reasoning_tokens > 0 ? [`reasoning ${row.reasoning_tokens}`] : []),
  ].join(', ');
  const unpriced =
    row.unpriced_requests > 0 ? `  unpriced: ${row.unpriced_requests} requests, ${row.unpriced_tokens} tokens` : '';
  const figures = `requests ${row.requests}  tokens ${row.total_tokens} (${details})  $${row.cost_usd.toFixed(6)}${unpriced}`;
  return labels === '' ? figures : `${labels}  ${figures}`;
}

/** Names or ids, like every other command; the ledger is keyed by ids. */
async function resolveFilters(services: Services, options: UsageOptions) {
  const db = services.store.read;
  const tenant = options.tenant === undefined ? undefined : await tenantsRepository.findTenant(db, options.tenant);
  if (options.team !== undefined && tenant === undefined) throw new ValidationError('--team', 'needs --tenant');
  const team =
    options.team === undefined || tenant === undefined
      ? undefined
      : await tenantsRepository.findTeam(db, tenant.id, options.team);
  const key = options.key === undefined ? undefined : await keysRepository.findKey(db, options.key);
  return {
    ...(tenant === undefined ? {} : { tenantId: tenant.id }),
    ...(team === undefined ? {} : { teamId: team.id }),
    ...(key === undefined ? {} : { keyId: key.id }),
  };
}

export function registerUsageCommands(program: Command, io: CliIo): void {
  program
    .command('usage')
    .description('Usage and cost from the spend ledger (UTC days), optionally grouped')
    .option('--tenant <tenant>', 'tenant name or id')
    .option('--team <team>', 'team name or id (needs --tenant)')
    .option('--key <key>', 'key id or prefix')
    .option('--model <model>', 'model name')
    .option('--session <session>', 'agent session id')
    .option('--since <date>', 'first day, YYYY-MM-DD (or an RFC 3339 time)')
    .option('--until <date>', 'last day, YYYY-MM-DD (or an RFC 3339 time)')
    .option('--group-by <fields>', 'comma list of day, tenant, team, key, model, session')
    .option('--json', 'print the report as JSON')
    .action(async (options: UsageOptions, command: Command) => {
      const report = await withServices(command, async (services) => {
        try {
          return await buildUsageReport(services.store.read, {
            ...(await resolveFilters(services, options)),
            ...(options.model === undefined ? {} : { model: options.model }),
            ...(options.session === undefined ? {} : { session: options.session }),
            ...(options.since === undefined ? {} : { since: options.since }),
            ...(options.until === undefined ? {} : { until: options.until }),
            groupBy: parseGroupBy(options.groupBy),
          });
        } catch (error) {
          if (error instanceof UsageQueryError)
            throw new ValidationError(
              `--${error.field.replace('_', '-')}`,
              error.message.slice(error.field.length + 2),
            );
          throw error;
        }
      });
      if (options.json) {
        io.out(JSON.stringify(report));
        return;
      }
      for (const row of report.data) io.out(describeRow(row));
      io.out(describeRow({ ...report.totals }).replace(/^/, 'total  '));
    });
}
