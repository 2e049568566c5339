import type { Command } from 'commander';
import { addLimitFlags, type LimitFlagValues, parseLimitFlags } from '../../admission/index.ts';
import { parseDuration } from '../../domain/keys/index.ts';
import { describeKey, ValidationError } from '../../identity/index.ts';
import { parseModelList } from '../../llm/allowed-models.ts';
import { type CliIo, withServices } from '../run.ts';

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function durationOption(field: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const ms = parseDuration(value);
  if (ms === null) throw new ValidationError(field, `"${value}" is not a duration like 30d, 12h, 90m or 1h30m`);
  return ms;
}

export function registerKeyCommands(program: Command, io: CliIo): void {
  const key = program.command('key').description('Manage virtual keys');
  const create = key
    .command('create')
    .description('Create a key; the full key is printed once and never stored')
    .requiredOption('--tenant <tenant>', 'tenant name or id')
    .requiredOption('--team <team>', 'team name or id (within the tenant)')
    .requiredOption('--name <name>', 'key name')
    .option('--expires <duration>', 'lifetime, e.g. 30d, 12h')
    .option('--models <list>', 'models the key may use: comma list of names or globs (gpt-4o*); default all')
    .option('--json', 'print JSON');
  addLimitFlags(create).action(
    async (
      options: {
        tenant: string;
        team: string;
        name: string;
        expires?: string;
        models?: string;
        json?: boolean;
      } & LimitFlagValues,
      command: Command,
    ) => {
      const expiresInMs = durationOption('--expires', options.expires);
      const settings = parseLimitFlags(options);
      const models = options.models === undefined ? null : parseModelList(options.models);
      if (models !== null && models.length === 0) throw new ValidationError('--models', 'names no model');
      const issued = await withServices(command, (s) =>
        s.identity.createKey({
          tenant: options.tenant,
          team: options.team,
          name: options.name,
          expiresInMs,
          settings: models === null ? { ...settings } : { ...settings, allowed_models: models },
        }),
      );
      if (options.json) {
        io.out(JSON.stringify({ ...describeKey(issued.record), key: issued.key }));
      } else {
        io.out(issued.key);
        io.err(`key ${issued.record.prefix}… (${issued.record.id}) created; it is shown only this once.`);
      }
    },
  );
  key
    .command('list')
    .description('List keys of a tenant (prefixes only)')
    .requiredOption('--tenant <tenant>', 'tenant name or id')
    .option('--team <team>', 'only this team')
    .option('--json', 'print JSON lines')
    .action(async (options: { tenant: string; team?: string; json?: boolean }, command: Command) => {
      const keys = await withServices(command, (s) => s.identity.listKeys(options.tenant, options.team));
      for (const k of keys) {
        const view = describeKey(k);
        io.out(
          options.json
            ? JSON.stringify(view)
            : `${view.id}  ${view.prefix}…  ${view.name}  ${view.status}  expires ${view.expires_at ?? 'never'}`,
        );
      }
    });
  key
    .command('revoke')
    .description('Revoke a key by id or prefix (effective on every instance within 1 s)')
    .argument('<key>', 'key id or prefix')
    .option('--json', 'print JSON')
    .action(async (reference: string, options: { json?: boolean }, command: Command) => {
      const revoked = await withServices(command, (s) => s.identity.revokeKey(reference));
      io.out(options.json ? JSON.stringify(describeKey(revoked)) : `key ${revoked.prefix}… revoked`);
    });
  key
    .command('rotate')
    .description('Issue a successor key; the old key keeps working only during the grace period')
    .argument('<key>', 'key id or prefix')
    .option('--grace <duration>', 'how long the old key keeps working (default: revoke at once)')
    .option('--json', 'print JSON')
    .action(async (reference: string, options: { grace?: string; json?: boolean }, command: Command) => {
      const graceMs = durationOption('--grace', options.grace) ?? 0;
      const rotated = await withServices(command, (s) => s.identity.rotateKey(reference, graceMs));
      if (options.json) {
        io.out(
          JSON.stringify({ ...describeKey(rotated.record), key: rotated.key, previous: describeKey(rotated.old) }),
        );
      } else {
        io.out(rotated.key);
        io.err(
          `key ${rotated.record.prefix}… replaces ${rotated.old.prefix}…, which works until ${iso(rotated.old.expiresAt)}`,
        );
      }
    });
}
