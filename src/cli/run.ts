import { type Command, CommanderError } from 'commander';
import { ConfigError, type GatehouseConfig, loadConfig } from '../config/index.ts';
import { ValidationError } from '../identity/index.ts';
import { MasterKeyMismatchError } from '../secrets/index.ts';
import { openServices } from '../services.ts';
import { ConflictError, NotFoundError, SchemaVersionError } from '../store/index.ts';

export type Services = Awaited<ReturnType<typeof openServices>> & { config: GatehouseConfig };

/** Output sinks, injectable so tests can run commands in-process and read what they print. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  /** Waits until what `out` wrote has drained; long outputs call it between pages so memory stays bounded. */
  flush?(): Promise<void>;
}

/**
 * Resolves once everything written to `stream` so far has been handed to the OS. On Linux, writes to a pipe are
 * asynchronous: `process.exit` with writes still queued drops them, so `gatehouse audit export | wc -l` counted 52
 * of 8,308 events (issue 14). A reader that has gone away (`| head`) is not an error to report: the output was
 * wanted no further.
 */
export function flushStream(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.writable) {
      resolve();
      return;
    }
    stream.write('', () => resolve());
  });
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  readStdin: async () => {
    if (process.stdin.isTTY) throw new ValidationError('stdin', 'pipe the secret value on standard input');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  flush: () => flushStream(process.stdout),
};

/** A failure the user can act on: printed without a stack trace, with a non-zero exit code. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function configPathOf(command: Command): string | null {
  return (command.optsWithGlobals() as { config?: string }).config ?? null;
}

/** Opens the store and services for one command, runs it, and always closes them. */
export async function withServices<T>(command: Command, action: (services: Services) => Promise<T>): Promise<T> {
  const config = loadConfig({ configPath: configPathOf(command) });
  const services = await openServices(config);
  try {
    return await action({ ...services, config });
  } finally {
    await services.store.close();
  }
}

/** Maps expected failures to a one-line message and exit code; anything else is a bug and keeps its stack. */
export function describeFailure(error: unknown): { message: string; exitCode: number } {
  // Commander exits 1 on usage errors; the README promises 2 (bad usage), as BSD sysexits' EX_USAGE convention
  // separates it from failures. Help and version output are not errors.
  if (error instanceof CommanderError) return { message: '', exitCode: error.exitCode === 0 ? 0 : 2 };
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof ConfigError || error instanceof MasterKeyMismatchError || error instanceof SchemaVersionError)
    return { message: error.message, exitCode: 78 };
  if (error instanceof ValidationError || error instanceof ConflictError || error instanceof NotFoundError) {
    return { message: error.message, exitCode: 1 };
  }
  return { message: (error as Error).stack ?? String(error), exitCode: 70 };
}
