/**
 * @module Where checkpoints go. Each sink is somewhere the store's owner cannot silently rewrite: a directory that
 * only receives appends (another owner, `chattr +a`, a log shipper's spool), or a webhook on another system.
 */
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import type { AuditCheckpoint } from '../../domain/audit/index.ts';
import type { CheckpointSinkSpec } from '../config-schema.ts';

export interface CheckpointSink {
  /** Names the sink in logs and metrics (`file:<dir>`, `webhook:<origin>`), never a credential. */
  readonly name: string;
  /** Resolves once the checkpoint is stored; rejects when it is not. */
  write(checkpoint: AuditCheckpoint): Promise<void>;
}

/** The day's file: a verifier reads a directory's files in name order, which is then time order. */
export function checkpointFileName(ts: string): string {
  return `gatehouse-checkpoints-${ts.slice(0, 10)}.jsonl`;
}

/**
 * Appends one line per checkpoint to the day's file, then syncs it: a checkpoint is only worth its cost if it
 * survives the crash a truncation would hide behind. One `write` on an `O_APPEND` descriptor, so lines from several
 * gateway processes sharing the directory never interleave.
 */
export function createFileSink(dir: string): CheckpointSink {
  let ready: Promise<unknown> | null = null;
  return {
    name: `file:${dir}`,
    async write(checkpoint) {
      ready ??= mkdir(dir, { recursive: true, mode: 0o750 });
      await ready;
      const file = await open(join(dir, checkpointFileName(checkpoint.ts)), 'a', 0o640);
      try {
        await file.write(`${JSON.stringify(checkpoint)}\n`);
        await file.datasync();
      } finally {
        await file.close();
      }
    },
  };
}

/** POSTs each checkpoint as JSON; any answer but 2xx is a failure (the next checkpoint covers every head again). */
export function createWebhookSink(url: string, headers: Record<string, string>, timeoutMs: number): CheckpointSink {
  return {
    name: `webhook:${new URL(url).origin}`,
    async write(checkpoint) {
      const response = await request(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(checkpoint),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      await response.body.dump();
      if (response.statusCode < 200 || response.statusCode > 299) {
        throw new Error(`webhook answered ${response.statusCode}`);
      }
    },
  };
}

export function createCheckpointSink(spec: CheckpointSinkSpec): CheckpointSink {
  return spec.type === 'file' ? createFileSink(spec.dir) : createWebhookSink(spec.url, spec.headers, spec.timeoutMs);
}
