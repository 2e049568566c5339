import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ValidationError } from '../../identity/index.ts';
import { McpAdmin, McpAdminError, PolicyValidationError, userOAuthFromConfig } from '../../mcp/index.ts';
import { type CliIo, type Services, withServices } from '../run.ts';

/** Runs `action` with an MCP admin over the command's store (no gateway needed: instances poll the store). */
function withAdmin<T>(command: Command, action: (admin: McpAdmin, services: Services) => Promise<T>): Promise<T> {
  return withServices(command, async (services) => {
    const admin = new McpAdmin(services.store, services.secrets, services.config.mcp);
    try {
      return await action(admin, services);
    } catch (error) {
      if (error instanceof McpAdminError || error instanceof PolicyValidationError) {
        throw new ValidationError(error.field, error.message);
      }
      throw error;
    }
  });
}

/** A JSON document from `--file <path>`, or from standard input when no file is named. */
async function readDocument(io: CliIo, file: string | undefined): Promise<unknown> {
  const text = file === undefined ? await io.readStdin() : readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(file ?? 'stdin', 'is not valid JSON');
  }
}

interface TeamOptions {
  team: string;
  tenant?: string;
  json?: boolean;
}

function registerServers(mcp: Command, io: CliIo): void {
  const server = mcp.command('server').description('MCP servers (stdio servers live in the config file only)');
  server
    .command('list')
    .description('List config and API-registered servers')
    .option('--json', 'print JSON lines')
    .action(async (options: { json?: boolean }, command: Command) => {
      for (const entry of await withAdmin(command, (admin) => admin.listServers())) {
        io.out(
          options.json
            ? JSON.stringify(entry)
            : `${entry.id}  ${entry.source}  ${entry.transport}  ${entry.era}  ${entry.url ?? ''}`.trimEnd(),
        );
      }
    });
  server
    .command('add')
    .description('Register (or replace) a streamable HTTP or SSE server; a credential is read from standard input')
    .argument('<id>', 'server id (lowercase letters, digits, dashes)')
    .requiredOption('--url <url>', 'the server URL')
    .option('--transport <transport>', 'streamable_http or sse', 'streamable_http')
    .option('--era <era>', 'auto (probe), legacy (2025 sessions) or modern (2026-07-28)', 'auto')
    .option('--description <text>', 'what the server is for')
    .option('--timeout-ms <ms>', 'call timeout', (value) => Number(value))
    .option('--credential-header <name>', 'send a credential read from standard input in this header')
    .action(async (id: string, options: Record<string, string | number | undefined>, command: Command) => {
      const credentialHeader = options.credentialHeader as string | undefined;
      const credential = credentialHeader === undefined ? undefined : (await io.readStdin()).replace(/\r?\n$/, '');
      if (credential !== undefined && credential.length === 0)
        throw new ValidationError('stdin', 'the credential is empty');
      const transport = options.transport === 'sse' ? 'sse' : 'streamable_http';
      const era = options.era as 'auto' | 'legacy' | 'modern';
      if (!['auto', 'legacy', 'modern'].includes(era))
        throw new ValidationError('era', 'must be auto, legacy or modern');
      const { created } = await withAdmin(command, (admin) =>
        admin.registerServer({
          id,
          transport,
          url: String(options.url),
          era,
          ...(options.description !== undefined ? { description: String(options.description) } : {}),
          ...(typeof options.timeoutMs === 'number' ? { timeoutMs: options.timeoutMs } : {}),
          ...(credential !== undefined ? { credential, credentialHeader } : {}),
        }),
      );
      io.out(`mcp server ${id} ${created ? 'registered' : 'replaced'}`);
    });
  server
    .command('remove')
    .description('Remove an API-registered server and its stored credential')
    .argument('<id>', 'server id')
    .action(async (id: string, _options: unknown, command: Command) => {
      await withAdmin(command, (admin) => admin.removeServer(id));
      io.out(`mcp server ${id} removed`);
    });
}

function registerPolicies(mcp: Command, io: CliIo): void {
  const policy = mcp.command('policy').description("A team's MCP policy (tools, prompts, resources), deny by default");
  policy
    .command('show')
    .description("Print a team's policy")
    .requiredOption('--team <team>', 'team name or id')
    .option('--tenant <tenant>', 'tenant name or id, when two tenants have a team of that name')
    .action(async (options: TeamOptions, command: Command) => {
      const shown = await withAdmin(command, async (admin) => {
        const team = await admin.resolveTeam(options.team, options.tenant);
        return { team, ...(await admin.policy(team.id)) };
      });
      if (!shown.stored) io.err(`team ${shown.team.name} has no MCP policy: it sees no MCP server (deny by default)`);
      io.out(JSON.stringify(shown.policy, null, 2));
    });
  policy
    .command('set')
    .description('Replace a team\'s policy with a JSON document ({"rules": [...]}) from --file or standard input')
    .requiredOption('--team <team>', 'team name or id')
    .option('--tenant <tenant>', 'tenant name or id, when two tenants have a team of that name')
    .option('--file <path>', 'the policy document (default: standard input)')
    .action(async (options: TeamOptions & { file?: string }, command: Command) => {
      const document = await readDocument(io, options.file);
      const team = await withAdmin(command, async (admin) => {
        const found = await admin.resolveTeam(options.team, options.tenant);
        await admin.setPolicy(found.id, document, 'cli');
        return found;
      });
      io.out(`mcp policy of team ${team.name} (${team.id}) replaced`);
    });
}

function registerPins(mcp: Command, io: CliIo): void {
  const pins = mcp.command('pins').description('Pinned definitions of tools, prompts and resource templates');
  pins
    .command('list')
    .description('List pins; quarantined definitions await approval')
    .option('--server <id>', 'one server only')
    .option('--quarantined', 'only definitions awaiting approval')
    .option('--json', 'print JSON lines (with the pending definition)')
    .action(async (options: { server?: string; quarantined?: boolean; json?: boolean }, command: Command) => {
      const listed = await withAdmin(command, (admin) => admin.listPins(options.server));
      for (const pin of listed.filter((entry) => !options.quarantined || entry.status === 'quarantined')) {
        io.out(
          options.json
            ? JSON.stringify(pin)
            : `${pin.server}  ${pin.kind}  ${pin.name}  ${pin.status}  ${pin.pending_sha256 ?? pin.approved_sha256 ?? ''}`,
        );
      }
    });
  pins
    .command('approve')
    .description('Approve a quarantined definition (compare-and-set on its sha256)')
    .argument('<server>', 'server id')
    .argument('<name>', 'tool name, prompt:<name> or resource_template:<uri template>')
    .requiredOption('--sha256 <hash>', 'the pending definition hash shown by `pins list`')
    .action(async (server: string, name: string, options: { sha256: string }, command: Command) => {
      const approved = await withAdmin(command, (admin) => admin.approvePin(server, name, options.sha256, 'cli'));
      if (!approved)
        throw new ValidationError('sha256', `no quarantined definition of ${name} on ${server} with that hash`);
      io.out(`${server} ${name} approved`);
    });
}

function registerVirtual(mcp: Command, io: CliIo): void {
  const virtual = mcp.command('virtual').description('Virtual servers, served at /mcp/virtual/<name>');
  virtual
    .command('list')
    .description('List virtual servers')
    .option('--json', 'print JSON lines')
    .action(async (options: { json?: boolean }, command: Command) => {
      for (const entry of await withAdmin(command, (admin) => admin.listVirtualServers())) {
        const members = entry.members.map((member) => member.server).join(',');
        io.out(
          options.json
            ? JSON.stringify(entry)
            : `${entry.name}  ${entry.source}  ${members}  ${entry.description}`.trimEnd(),
        );
      }
    });
  virtual
    .command('set')
    .description(
      'Create or replace a virtual server from {"description","members":[{"server","tools","prompts","resources"}]}',
    )
    .argument('<name>', 'virtual server name')
    .option('--file <path>', 'the definition (default: standard input)')
    .action(async (name: string, options: { file?: string }, command: Command) => {
      const document = await readDocument(io, options.file);
      await withAdmin(command, (admin) => admin.putVirtualServer(name, document, 'cli'));
      io.out(`virtual server ${name} saved: /mcp/virtual/${name}`);
    });
  virtual
    .command('remove')
    .description('Remove a virtual server')
    .argument('<name>', 'virtual server name')
    .action(async (name: string, _options: unknown, command: Command) => {
      await withAdmin(command, (admin) => admin.removeVirtualServer(name));
      io.out(`virtual server ${name} removed`);
    });
}

/** Per-user OAuth grants, straight in the store: every gateway instance reads a grant from it on each use. */
function registerGrants(mcp: Command, io: CliIo): void {
  const grants = mcp.command('grants').description("Users' OAuth grants for per-user OAuth servers");
  const oauthFor = (services: Services, server: string) => {
    const oauth = userOAuthFromConfig(services.config.mcp, services.store, services.secrets);
    if (!oauth?.has(server)) throw new ValidationError('server', `${server} is not a configured per-user OAuth server`);
    return oauth;
  };
  grants
    .command('list')
    .description('List the principals holding a grant at a server')
    .argument('<server>', 'server id')
    .action(async (server: string, _options: unknown, command: Command) => {
      const holders = await withServices(command, (services) => oauthFor(services, server).grantHolders(server));
      for (const principal of holders) io.out(principal);
    });
  grants
    .command('revoke')
    .description("Delete a principal's grant (and revoke it at the authorization server when it has an endpoint)")
    .argument('<server>', 'server id')
    .argument('<principal>', 'principal id (as `grants list` prints it)')
    .action(async (server: string, principal: string, _options: unknown, command: Command) => {
      const outcome = await withServices(command, (services) => oauthFor(services, server).revoke(server, principal));
      if (!outcome.revoked) io.out(`no grant of ${principal} at ${server}`);
      else
        io.out(
          `grant of ${principal} at ${server} revoked${outcome.remote ? ' (and at the authorization server)' : ''}`,
        );
    });
}

export function registerMcpCommands(program: Command, io: CliIo): void {
  const mcp = program.command('mcp').description('MCP gateway: servers, team policies, pins, virtual servers');
  registerServers(mcp, io);
  registerPolicies(mcp, io);
  registerPins(mcp, io);
  registerVirtual(mcp, io);
  registerGrants(mcp, io);
}
