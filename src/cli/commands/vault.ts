import type { Command } from 'commander';
import { ValidationError } from '../../identity/index.ts';
import { createVault, type Vault } from '../../vault/index.ts';
import { type CliIo, type Services, withServices } from '../run.ts';

/** Opens a vault on the command's store (no timers, no listener), runs `action`, and closes it. */
function withVault<T>(command: Command, action: (vault: Vault, services: Services) => Promise<T>): Promise<T> {
  return withServices(command, async (services) => {
    const vault = createVault({
      store: services.store,
      secrets: services.secrets,
      kek: services.kek,
      config: services.config.file.vault,
    });
    try {
      await vault.snapshot.refresh();
      return await action(vault, services);
    } finally {
      await vault.close();
    }
  });
}

interface TargetOptions {
  tenant?: string;
  key?: string;
}

export function registerVaultCommands(program: Command, io: CliIo): void {
  const vault = program.command('vault').description('Credential vault: services, credentials and per-key grants');

  const service = vault.command('service').description('Vault service definitions');
  service
    .command('list')
    .description('List services and their credentials (metadata only, never the secret)')
    .option('--json', 'print JSON lines')
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await withVault(command, async (v) => v.admin.list());
      for (const entry of list) {
        if (options.json) {
          io.out(JSON.stringify(entry));
          continue;
        }
        const scopes = entry.credentials.map((c) => `${c.scope}@v${c.version}`).join(',') || 'no credential';
        io.out(`${entry.id}  ${entry.base_url}  ${entry.auth_type}  ${entry.source}  ${scopes}`);
      }
    });

  const credential = vault.command('credential').description('Vault credentials (write-only)');
  credential
    .command('set')
    .description(
      'Store a credential read from standard input, never from arguments: the secret for header/query/bearer, ' +
        '"user:password" for basic, a JSON object for OAuth2 ({"client_id","client_secret"[,"refresh_token"]})',
    )
    .argument('<service>', 'service id')
    .option('--tenant <tenant>', 'only for this tenant (name or id)')
    .option('--key <key>', 'only for this key (id or prefix)')
    .action(async (serviceId: string, options: TargetOptions, command: Command) => {
      const secret = await io.readStdin();
      if (secret.replace(/\r?\n$/, '').length === 0) throw new ValidationError('stdin', 'the credential is empty');
      const stored = await withVault(command, (v) =>
        v.admin.setCredential(serviceId, { tenant: options.tenant, key: options.key }, secret),
      );
      io.out(`credential ${stored.service}/${stored.scope} stored (version ${stored.version})`);
    });
  credential
    .command('delete')
    .description('Delete a credential')
    .argument('<service>', 'service id')
    .option('--tenant <tenant>', 'the tenant credential')
    .option('--key <key>', 'the key credential')
    .action(async (serviceId: string, options: TargetOptions, command: Command) => {
      const removed = await withVault(command, (v) =>
        v.admin.removeCredential(serviceId, { tenant: options.tenant, key: options.key }),
      );
      io.out(`credential ${removed.service}/${removed.scope} deleted`);
    });

  const key = vault.command('key').description('Which vault services a key may call (deny by default)');
  key
    .command('grant')
    .description('Grant services to a key (effective on every instance within 1 s)')
    .argument('<key>', 'key id or prefix')
    .argument('<services...>', 'service ids')
    .action(async (reference: string, services: string[], _options: unknown, command: Command) => {
      const result = await withVault(command, (v) => v.admin.grant(reference, services));
      io.out(`key ${result.key_id} may call: ${result.services.join(', ')}`);
    });
  key
    .command('revoke')
    .description('Revoke a service from a key and the keys it was rotated from (effective within 1 s)')
    .argument('<key>', 'key id or prefix')
    .argument('<service>', 'service id')
    .action(async (reference: string, serviceId: string, _options: unknown, command: Command) => {
      const result = await withVault(command, (v) => v.admin.revoke(reference, serviceId));
      io.out(`key ${result.key_id} may call: ${result.services.join(', ') || 'no service'}`);
    });
  key
    .command('list')
    .description('List the services a key is granted')
    .argument('<key>', 'key id or prefix')
    .option('--json', 'print JSON')
    .action(async (reference: string, options: { json?: boolean }, command: Command) => {
      const result = await withVault(command, (v) => v.admin.grants(reference));
      io.out(options.json ? JSON.stringify(result) : result.services.join('\n'));
    });
}
