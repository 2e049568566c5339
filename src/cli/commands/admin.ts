import type { Command } from 'commander';
import { parseDuration } from '../../domain/keys/index.ts';
import { describeBinding, describeUser, ValidationError } from '../../identity/index.ts';
import { type CliIo, withServices } from '../run.ts';

export function registerAdminCommands(program: Command, io: CliIo): void {
  const admin = program.command('admin').description('Administrators: users, admin API tokens and role bindings');
  admin
    .command('bootstrap')
    .description('Create the first platform administrator and print an admin API token (shown once)')
    .requiredOption('--email <email>', "the administrator's email")
    .option('--json', 'print JSON')
    .action(async (options: { email: string; json?: boolean }, command: Command) => {
      const { user, token } = await withServices(command, (s) => s.admin.bootstrapPlatformAdmin(options.email));
      if (options.json) io.out(JSON.stringify({ user: describeUser(user), token }));
      else {
        io.out(token);
        io.err(`platform admin ${user.email} (${user.id}) ready; the token is shown only this once.`);
      }
    });
  const user = admin.command('user').description('Users');
  user
    .command('create')
    .description('Create a user (bind a role to give it access)')
    .requiredOption('--email <email>', 'email')
    .option('--name <name>', 'display name')
    .option('--tenant <tenant>', 'home tenant name or id')
    .option('--json', 'print JSON')
    .action(async (options: { email: string; name?: string; tenant?: string; json?: boolean }, command: Command) => {
      const created = await withServices(command, (s) =>
        s.admin.createUser({ email: options.email, name: options.name, tenant: options.tenant ?? null }),
      );
      io.out(options.json ? JSON.stringify(describeUser(created)) : `user ${created.email} created: ${created.id}`);
    });
  const token = admin.command('token').description('Admin API tokens');
  token
    .command('create')
    .description('Issue an admin API token for a user (shown once)')
    .requiredOption('--user <user>', 'user email or id')
    .option('--name <name>', 'token name', 'cli')
    .option('--expires <duration>', 'lifetime, e.g. 90d')
    .action(async (options: { user: string; name: string; expires?: string }, command: Command) => {
      const lifetime = options.expires === undefined ? null : parseDuration(options.expires);
      if (options.expires !== undefined && lifetime === null)
        throw new ValidationError('--expires', 'is not a duration');
      const issued = await withServices(command, (s) => s.admin.issueToken(options.user, options.name, lifetime));
      io.out(issued.token);
      io.err(`admin token ${issued.record.prefix}… (${issued.record.id}) created; it is shown only this once.`);
    });
  token
    .command('revoke')
    .description('Revoke an admin API token by id or prefix')
    .argument('<token>', 'token id or prefix')
    .action(async (reference: string, _options: unknown, command: Command) => {
      const revoked = await withServices(command, (s) => s.admin.revokeToken(reference));
      io.out(`admin token ${revoked.prefix}… revoked`);
    });
  admin
    .command('bind')
    .description('Bind a role to a principal at a scope (platform, org:<id>, org:<id>/team:<id>)')
    .requiredOption('--principal <principal>', 'user:<id>, key:<id> or jwt:<issuer>#<sub>')
    .requiredOption('--role <role>', 'role name')
    .requiredOption('--scope <scope>', 'scope')
    .option('--deny', 'an explicit deny binding')
    .option('--json', 'print JSON')
    .action(
      async (
        options: { principal: string; role: string; scope: string; deny?: boolean; json?: boolean },
        command: Command,
      ) => {
        const binding = await withServices(command, (s) =>
          s.admin.createBinding(
            {
              principal: options.principal,
              role: options.role,
              scope: options.scope,
              effect: options.deny ? 'deny' : 'allow',
            },
            null,
          ),
        );
        io.out(options.json ? JSON.stringify(describeBinding(binding)) : `binding ${binding.id} created`);
      },
    );
}
