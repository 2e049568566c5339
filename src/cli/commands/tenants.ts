import type { Command } from 'commander';
import { type CliIo, withServices } from '../run.ts';

export function registerTenantCommands(program: Command, io: CliIo): void {
  const tenant = program.command('tenant').description('Manage tenants (organisations)');
  tenant
    .command('create')
    .description('Create a tenant')
    .requiredOption('--name <name>', 'tenant name')
    .option('--json', 'print JSON')
    .action(async (options: { name: string; json?: boolean }, command: Command) => {
      const created = await withServices(command, (s) => s.identity.createTenant(options.name));
      io.out(
        options.json
          ? JSON.stringify({ id: created.id, name: created.name })
          : `tenant ${created.name} created: ${created.id}`,
      );
    });
  tenant
    .command('list')
    .description('List tenants')
    .option('--json', 'print JSON lines')
    .action(async (options: { json?: boolean }, command: Command) => {
      const tenants = await withServices(command, (s) => s.identity.listTenants());
      for (const t of tenants) io.out(options.json ? JSON.stringify({ id: t.id, name: t.name }) : `${t.id}  ${t.name}`);
    });

  const team = program.command('team').description('Manage teams of a tenant');
  team
    .command('create')
    .description('Create a team in a tenant')
    .requiredOption('--tenant <tenant>', 'tenant name or id')
    .requiredOption('--name <name>', 'team name')
    .option('--json', 'print JSON')
    .action(async (options: { tenant: string; name: string; json?: boolean }, command: Command) => {
      const created = await withServices(command, (s) => s.identity.createTeam(options.tenant, options.name));
      io.out(
        options.json
          ? JSON.stringify({ id: created.id, tenant_id: created.tenantId, name: created.name })
          : `team ${created.name} created: ${created.id}`,
      );
    });
  team
    .command('list')
    .description('List the teams of a tenant')
    .requiredOption('--tenant <tenant>', 'tenant name or id')
    .option('--json', 'print JSON lines')
    .action(async (options: { tenant: string; json?: boolean }, command: Command) => {
      const teams = await withServices(command, (s) => s.identity.listTeams(options.tenant));
      for (const t of teams) io.out(options.json ? JSON.stringify({ id: t.id, name: t.name }) : `${t.id}  ${t.name}`);
    });
}
