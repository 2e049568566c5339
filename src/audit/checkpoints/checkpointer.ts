/**
 * @module Periodic signed checkpoints of every audit chain's committed head (issue 14). Each gateway instance runs
 * one: it reads every chain's head from the store's primary (so chains of other instances, of earlier runs and of
 * worker processes are covered too), signs them, and hands the checkpoint to each sink. Nothing is written while no
 * head moved. A sink that fails keeps its checkpoints in order and gets them on the next round, so its `prev` links
 * stay whole unless it stays down for longer than its backlog holds.
 */
import { type AuditCheckpoint, checkpointDigest, signCheckpoint } from '../../domain/audit/index.ts';
import { auditRepository, type Store } from '../../store/index.ts';
import type { AuditLogger } from '../audit-writer.ts';
import type { CheckpointSigningKey } from './signing-key.ts';
import type { CheckpointSink } from './sinks.ts';

/** Checkpoints kept for a failing sink; past this the oldest are dropped, which its verification then reports. */
const MAX_BACKLOG = 1_000;

export interface AuditCheckpointerOptions {
  store: Store;
  key: CheckpointSigningKey;
  sinks: readonly CheckpointSink[];
  intervalMs: number;
  /** Names this instance in its checkpoints (the audit writer's chain id: unique per process). */
  writer: string;
  logger: AuditLogger;
  now?: () => number;
}

export interface CheckpointSinkStatus {
  name: string;
  /** Checkpoints signed but not yet stored by this sink. */
  pending: number;
  /** Epoch ms of the last checkpoint this sink stored, or null. */
  lastStoredAt: number | null;
}

class SinkQueue {
  readonly pending: AuditCheckpoint[] = [];
  lastStoredAt: number | null = null;

  constructor(readonly sink: CheckpointSink) {}

  async deliver(logger: AuditCheckpointerOptions['logger'], now: () => number): Promise<void> {
    while (this.pending.length > 0) {
      try {
        await this.sink.write(this.pending[0] as AuditCheckpoint);
      } catch (error) {
        logger.error(
          { err: error, sink: this.sink.name, pending: this.pending.length },
          'writing an audit checkpoint failed; it is kept and retried next round',
        );
        return;
      }
      this.pending.shift();
      this.lastStoredAt = now();
    }
  }
}

export class AuditCheckpointer {
  readonly #options: AuditCheckpointerOptions;
  readonly #queues: SinkQueue[];
  readonly #now: () => number;
  #prev: string | null = null;
  #lastHeads = '';
  #timer: NodeJS.Timeout | null = null;
  #round: Promise<AuditCheckpoint | null> = Promise.resolve(null);

  constructor(options: AuditCheckpointerOptions) {
    this.#options = options;
    this.#queues = options.sinks.map((sink) => new SinkQueue(sink));
    this.#now = options.now ?? Date.now;
  }

  /** Takes a first checkpoint now, then one every interval. */
  start(): void {
    this.checkpoint().catch(() => {});
    this.#timer = setInterval(() => this.checkpoint().catch(() => {}), this.#options.intervalMs);
    this.#timer.unref();
  }

  /**
   * One round: signs the current heads if any moved since the last checkpoint, then delivers every sink's backlog.
   * Resolves to the new checkpoint, or null when none was due. Rounds never overlap.
   */
  checkpoint(): Promise<AuditCheckpoint | null> {
    this.#round = this.#round.catch(() => null).then(() => this.#runRound());
    return this.#round;
  }

  status(): CheckpointSinkStatus[] {
    return this.#queues.map((queue) => ({
      name: queue.sink.name,
      pending: queue.pending.length,
      lastStoredAt: queue.lastStoredAt,
    }));
  }

  /** Stops the timer and takes a last checkpoint: call after the audit writer drained, so it holds the final heads. */
  async close(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.checkpoint().catch(() => null);
  }

  async #runRound(): Promise<AuditCheckpoint | null> {
    let checkpoint: AuditCheckpoint | null = null;
    try {
      checkpoint = await this.#sign();
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'reading the audit chain heads for a checkpoint failed');
    }
    if (checkpoint !== null) {
      for (const queue of this.#queues) {
        if (queue.pending.length >= MAX_BACKLOG) queue.pending.shift();
        queue.pending.push(checkpoint);
      }
    }
    await Promise.all(this.#queues.map((queue) => queue.deliver(this.#options.logger, this.#now)));
    return checkpoint;
  }

  async #sign(): Promise<AuditCheckpoint | null> {
    const heads = await auditRepository.listChainHeads(this.#options.store.write);
    const chains = heads
      .filter((head) => head.headSeq > 0)
      .map((head) => ({ chain_id: head.chainId, seq: head.headSeq, hash: head.headHash }));
    const fingerprint = JSON.stringify(chains);
    if (chains.length === 0 || fingerprint === this.#lastHeads) return null;
    const checkpoint = signCheckpoint(
      { ts: new Date(this.#now()).toISOString(), writer: this.#options.writer, prev: this.#prev, chains },
      this.#options.key.privateKey,
    );
    this.#prev = checkpointDigest(checkpoint);
    this.#lastHeads = fingerprint;
    return checkpoint;
  }
}
