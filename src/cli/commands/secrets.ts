import type { Command } from 'commander';
import { ValidationError, validateName } from '../../identity/index.ts';
import { CliError, type CliIo, type Services, withServices } from '../run.ts';

const MAX_SECRET_BYTES = 64 * 1024;

/** Secrets belong to a tenant or to the platform; the gateway's own (`system`) are not operator-editable. */
async function ownerOf(services: Services, tenant: string | undefined): Promise<string> {
  if (!tenant) return 'platform';
  return `tenant:${(await services.identity.findTenant(tenant)).id}`;
}

export function registerSecretCommands(program: Command, io: CliIo): void {
  const secrets = program.command('secrets').description('Envelope-encrypted secrets (values are write-only)');
  secrets
    .command('put')
    .description('Store a secret; the value is read from standard input, never from arguments')
    .argument('<name>', 'secret name')
    .option('--tenant <tenant>', 'owning tenant (default: platform)')
    .action(async (name: string, options: { tenant?: string }, command: Command) => {
      validateName('name', name);
      const value = (await io.readStdin()).replace(/\r?\n$/, '');
      if (value.length === 0) throw new ValidationError('stdin', 'the secret value is empty');
      if (Buffer.byteLength(value) > MAX_SECRET_BYTES)
        throw new ValidationError('stdin', `the secret exceeds ${MAX_SECRET_BYTES} bytes`);
      const stored = await withServices(command, async (s) =>
        s.secrets.put(await ownerOf(s, options.tenant), name, value),
      );
      io.out(`secret ${stored.owner}/${stored.name} stored (version ${stored.version}, kek ${stored.kekId})`);
    });
  secrets
    .command('list')
    .description('List secret metadata (never values)')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--json', 'print JSON lines')
    .action(async (options: { tenant?: string; json?: boolean }, command: Command) => {
      const list = await withServices(command, async (s) =>
        s.secrets.list(options.tenant ? await ownerOf(s, options.tenant) : undefined),
      );
      for (const secret of list) {
        const view = {
          owner: secret.owner,
          name: secret.name,
          kek_id: secret.kekId,
          version: secret.version,
          updated_at: new Date(secret.updatedAt).toISOString(),
        };
        io.out(
          options.json
            ? JSON.stringify(view)
            : `${view.owner}/${view.name}  v${view.version}  kek ${view.kek_id}  ${view.updated_at}`,
        );
      }
    });
  secrets
    .command('delete')
    .description('Delete a secret')
    .argument('<name>', 'secret name')
    .option('--tenant <tenant>', 'owning tenant (default: platform)')
    .action(async (name: string, options: { tenant?: string }, command: Command) => {
      const owner = await withServices(command, async (s) => {
        const resolved = await ownerOf(s, options.tenant);
        if (!(await s.secrets.delete(resolved, name))) throw new CliError(`secret ${resolved}/${name} not found`);
        return resolved;
      });
      io.out(`secret ${owner}/${name} deleted`);
    });
  secrets
    .command('rotate')
    .description(
      'Re-wrap every envelope under the current master key (GATEHOUSE_KEK_ID); resumable, safe while serving',
    )
    .requiredOption('--kek-id <id>', 'the target kek id; must equal GATEHOUSE_KEK_ID')
    .action(async (options: { kekId: string }, command: Command) => {
      const report = await withServices(command, async (s) => {
        if (s.kek.currentKekId !== options.kekId) {
          throw new CliError(
            `--kek-id ${options.kekId} is not the current key (${s.kek.currentKekId}): set GATEHOUSE_MASTER_KEY and GATEHOUSE_KEK_ID to the new key and list the old one in GATEHOUSE_PREVIOUS_MASTER_KEYS`,
            2,
          );
        }
        return s.secrets.rotate();
      });
      io.out(
        `re-wrapped ${report.rewrapped} envelope(s) to kek ${report.targetKekId}; ${report.skipped} changed concurrently, ${report.remaining} remaining`,
      );
      if (report.remaining > 0) throw new CliError('some envelopes are not yet re-wrapped: run the command again', 1);
    });
}
