import { Command } from 'commander';
import { VERSION } from '../version.ts';
import { registerAdminCommands } from './commands/admin.ts';
import { registerAuditCommands } from './commands/audit.ts';
import { registerCapabilityCommands } from './commands/capability.ts';
import { registerCompletionCommand } from './commands/completion.ts';
import { registerServerCommands } from './commands/config.ts';
import { registerKeyCommands } from './commands/keys.ts';
import { registerLimitCommands } from './commands/limits.ts';
import { registerLlmCommands } from './commands/llm.ts';
import { registerMcpCommands } from './commands/mcp.ts';
import { registerMigrateCommands } from './commands/migrate.ts';
import { registerPromptLogCommands } from './commands/prompt-log.ts';
import { registerSecretCommands } from './commands/secrets.ts';
import { registerTenantCommands } from './commands/tenants.ts';
import { registerUsageCommands } from './commands/usage.ts';
import { registerVaultCommands } from './commands/vault.ts';
import { type CliIo, describeFailure, flushStream, processIo } from './run.ts';

export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('gatehouse')
    .description('Gatehouse: a secure gateway for LLMs, MCP tools and third-party APIs')
    .version(VERSION)
    .option('--config <file>', 'YAML config file (environment variables override it)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) });
  registerServerCommands(program, io);
  registerMigrateCommands(program, io);
  registerTenantCommands(program, io);
  registerKeyCommands(program, io);
  registerAdminCommands(program, io);
  registerAuditCommands(program, io);
  registerSecretCommands(program, io);
  registerLimitCommands(program, io);
  registerPromptLogCommands(program, io);
  registerUsageCommands(program, io);
  registerVaultCommands(program, io);
  registerCapabilityCommands(program, io);
  registerMcpCommands(program, io);
  registerLlmCommands(program, io);
  registerCompletionCommand(program, io);
  return program;
}

/** Runs one CLI invocation; resolves to the exit code instead of exiting, so tests can call it in-process. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    const { message, exitCode } = describeFailure(error);
    if (message) io.err(`gatehouse: ${message}`);
    return exitCode;
  }
}

/** Waits until standard output and error have drained, so an exit right after loses nothing a pipe still holds. */
export async function flushStdio(): Promise<void> {
  await Promise.all([flushStream(process.stdout), flushStream(process.stderr)]);
}
