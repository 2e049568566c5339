import { createWriteStream, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { parseStatusFilter } from '../../audit/index.ts';
import { auditRepository } from '../../store/index.ts';
import { CliError, type CliIo, withServices } from '../run.ts';
import { registerAuditVerifyCommands } from './audit-verify.ts';

interface QueryOptions {
  since?: string;
  until?: string;
  surface?: string;
  principal?: string;
  team?: string;
  outcome?: string;
  status?: string;
  requestId?: string;
  traceId?: string;
  model?: string;
  session?: string;
}

function isoOption(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new CliError(`${field}: "${value}" is not a date or RFC 3339 time`, 2);
  return new Date(time).toISOString();
}

function countOption(value: string): number {
  const count = Number(value);
  if (!Number.isSafeInteger(count) || count < 1 || count > 100_000) throw new CliError('-n: must be 1-100000', 2);
  return count;
}

function statusOption(value: string | undefined) {
  if (value === undefined) return undefined;
  const status = parseStatusFilter(value);
  if (status === null) throw new CliError(`--status: "${value}" is not a status like 429 or a class like 5xx`, 2);
  return status;
}

function filters(options: QueryOptions) {
  return {
    since: isoOption('--since', options.since),
    until: isoOption('--until', options.until),
    surface: options.surface,
    principalId: options.principal,
    teamId: options.team,
    outcome: options.outcome,
    status: statusOption(options.status),
    requestId: options.requestId,
    traceId: options.traceId,
    model: options.model,
    sessionId: options.session,
  };
}

function withFilters(command: Command): Command {
  return command
    .option('--since <time>', 'events at or after this time')
    .option('--until <time>', 'events before this time')
    .option('--surface <id>', 'only this surface')
    .option('--principal <id>', 'only this principal (key or user id)')
    .option('--team <id>', "only this principal's team")
    .option('--outcome <outcome>', 'only this outcome (success, denied, ...)')
    .option('--status <status>', 'only this HTTP status (429) or class (5xx)')
    .option('--request-id <id>', 'only this request (the x-gatehouse-request-id header)')
    .option('--trace-id <id>', 'only this W3C trace id')
    .option('--model <name>', 'only LLM calls for this model')
    .option('--session <id>', 'only this agent session');
}

export function registerAuditCommands(program: Command, io: CliIo): void {
  const audit = program.command('audit').description('Read and verify the audit chains');
  registerAuditVerifyCommands(audit, io);
  withFilters(audit.command('tail').description('Print the newest events as JSON lines'))
    .option('-n <count>', 'how many', '20')
    .action(async (options: QueryOptions & { n: string }, command: Command) => {
      const limit = countOption(options.n);
      const page = await withServices(command, (s) =>
        auditRepository.queryAuditEvents(s.store.read, { ...filters(options), limit, order: 'desc' }),
      );
      for (const event of page.events.reverse()) io.out(JSON.stringify(event));
    });
  withFilters(audit.command('export').description('Export events as JSON lines, oldest first'))
    .option('--out <file>', 'write to a file instead of standard output')
    .action(async (options: QueryOptions & { out?: string }, command: Command) => {
      if (options.out && existsSync(options.out))
        throw new CliError(`--out ${options.out} already exists; not overwriting it`, 1);
      const file = options.out ? createWriteStream(options.out, { flags: 'wx' }) : null;
      file?.on('error', () => {});
      await withServices(command, async (s) => {
        const filter: auditRepository.AuditQuery = { ...filters(options), limit: 1000, order: 'asc' };
        for (;;) {
          const page = await auditRepository.queryAuditEvents(s.store.read, filter);
          for (const event of page.events) {
            const line = JSON.stringify(event);
            if (file) file.write(`${line}\n`);
            else io.out(line);
          }
          if (!file) await io.flush?.();
          if (page.last === null) break;
          filter.after = page.last;
        }
      });
      if (file)
        await new Promise<void>((resolve, reject) =>
          file.end((error?: Error | null) => (error ? reject(error) : resolve())),
        );
    });
}
