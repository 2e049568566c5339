import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  AuditCheckpointer,
  checkpointFiles,
  createCheckpointSink,
  loadCheckpointSigningKey,
  parseCheckpointPublicKey,
  readCheckpoints,
  verifyStoredChains,
} from '../../audit/index.ts';
import { type ChainVerification, CheckpointCollector, type CheckpointSet } from '../../domain/audit/index.ts';
import { uuidv7 } from '../../domain/ids.ts';
import { CliError, type CliIo, type Services, withServices } from '../run.ts';

interface VerifyOptions {
  json?: boolean;
  checkpoints?: string;
  publicKey?: string;
}

async function readPublicKey(path: string): Promise<KeyObject> {
  try {
    return parseCheckpointPublicKey(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CliError(`--public-key ${path}: ${(error as Error).message}`, 2);
  }
}

/**
 * Collects the signed checkpoints under `path`. Without `--public-key` they are checked against the store's own
 * signing key: a key swapped in the store would then fail every checkpoint already in the sink, but a verifier who
 * kept the key exported at setup does not depend on the store at all.
 */
async function collect(services: Services, path: string, publicKeyPath: string | undefined): Promise<CheckpointSet> {
  const publicKey =
    publicKeyPath === undefined
      ? (await loadCheckpointSigningKey(services.secrets)).publicKey
      : await readPublicKey(publicKeyPath);
  let files: string[];
  try {
    files = await checkpointFiles(path);
  } catch (error) {
    throw new CliError(`--checkpoints ${path}: ${(error as Error).message}`, 2);
  }
  const collector = new CheckpointCollector(publicKey);
  for await (const source of readCheckpoints(files)) collector.add(source);
  return collector.finish();
}

function describeChain(result: ChainVerification, checkpointed: number | null): string {
  if (!result.ok) {
    const { seq, id, reason, detail } = result.firstBroken;
    return `BROKEN  chain ${result.chainId}: first broken event seq ${seq} (id ${id ?? 'missing'}): ${reason}: ${detail}`;
  }
  const signed = checkpointed === null ? '' : `, checkpointed to seq ${checkpointed}`;
  return `ok      chain ${result.chainId}: ${result.count} events, head seq ${result.head.seq}${signed}`;
}

function printVerification(io: CliIo, results: ChainVerification[], set: CheckpointSet | null, json: boolean): number {
  let broken = 0;
  for (const result of results) {
    if (!result.ok) broken++;
    if (json) {
      io.out(JSON.stringify(result));
      continue;
    }
    const heads = set?.heads.get(result.chainId ?? '');
    io.out(describeChain(result, heads?.at(-1)?.seq ?? null));
  }
  for (const problem of set?.problems ?? []) {
    io.out(
      json
        ? JSON.stringify({ checkpoint: problem })
        : `BAD     checkpoint ${problem.where}: ${problem.reason}: ${problem.detail}`,
    );
  }
  if (!json) {
    io.out(`${results.length} chain(s) verified, ${broken} broken`);
    if (set !== null) {
      const latest = set.latest === null ? '' : `, newest ${set.latest}`;
      io.out(`${set.verified} signed checkpoint(s) verified${latest}, ${set.problems.length} bad`);
    }
  }
  return broken + (set?.problems.length ?? 0);
}

function reportTo(io: CliIo) {
  return (detail: Record<string, unknown>, message: string) => {
    const cause = detail.err instanceof Error ? `: ${detail.err.message}` : '';
    io.err(`${message}${cause}`);
  };
}

/** `gatehouse audit verify [--checkpoints <file|dir>]`, `audit checkpoint` and `audit checkpoint-key`. */
export function registerAuditVerifyCommands(audit: Command, io: CliIo): void {
  audit
    .command('verify')
    .description('Re-compute every audit chain; exits non-zero naming the first broken event')
    .option('--json', 'print JSON')
    .option('--checkpoints <path>', 'also check against signed checkpoints: a file sink directory or one file')
    .option('--public-key <file>', "the checkpoint key's PEM (gatehouse audit checkpoint-key); default: the store's")
    .action(async (options: VerifyOptions, command: Command) => {
      if (options.publicKey !== undefined && options.checkpoints === undefined) {
        throw new CliError('--public-key needs --checkpoints', 2);
      }
      const failures = await withServices(command, async (services) => {
        const set =
          options.checkpoints === undefined ? null : await collect(services, options.checkpoints, options.publicKey);
        const results = await verifyStoredChains(services.store, set === null ? {} : { checkpoints: set.heads });
        return printVerification(io, results, set, options.json === true);
      });
      if (failures > 0) throw new CliError(`audit verification failed: ${failures} problem(s)`, 1);
    });
  audit
    .command('checkpoint-key')
    .description('Print the public key that signs audit checkpoints (PEM), for verifiers to keep')
    .option('--json', 'print JSON with the key id')
    .action(async (options: { json?: boolean }, command: Command) => {
      const key = await withServices(command, (services) => loadCheckpointSigningKey(services.secrets));
      if (options.json) io.out(JSON.stringify({ key_id: key.keyId, public_key_pem: key.publicKeyPem }));
      else io.out(key.publicKeyPem.trimEnd());
    });
  audit
    .command('checkpoint')
    .description("Write a signed checkpoint of every chain's head to the configured sinks now")
    .action(async (_options: unknown, command: Command) => {
      await withServices(command, async (services) => {
        const { sinks } = services.config.audit.checkpoints;
        if (sinks.length === 0) throw new CliError('no checkpoint sink is configured (audit.checkpoints.sinks)', 1);
        const checkpointer = new AuditCheckpointer({
          store: services.store,
          key: await loadCheckpointSigningKey(services.secrets),
          sinks: sinks.map(createCheckpointSink),
          intervalMs: services.config.audit.checkpoints.intervalMs,
          writer: `cli-${uuidv7()}`,
          logger: { warn: reportTo(io), error: reportTo(io) },
        });
        const checkpoint = await checkpointer.checkpoint();
        const failed = checkpointer.status().filter((sink) => sink.pending > 0);
        if (checkpoint === null) throw new CliError('no audit chain to checkpoint, or the store cannot be read', 1);
        if (failed.length > 0) throw new CliError(`not stored by ${failed.map((sink) => sink.name).join(', ')}`, 1);
        io.out(`checkpoint of ${checkpoint.chains.length} chain(s) stored by ${sinks.length} sink(s)`);
      });
    });
}
