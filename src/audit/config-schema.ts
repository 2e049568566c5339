/**
 * @module The `audit.checkpoints` section of the YAML config: how often the chains' heads are checkpointed, and to
 * which sinks (README "Reliability"). A sink must be out of reach of whoever can rewrite the store, so a file sink
 * inside the data directory is refused.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { substituteEnvAll } from '../config/env-references.ts';
import { ConfigError } from '../config/errors.ts';

const FileSinkSchema = Type.Object(
  {
    type: Type.Literal('file'),
    dir: Type.String({ minLength: 1, description: 'Directory of daily JSON-lines files, outside the data dir.' }),
  },
  { additionalProperties: false },
);

const WebhookSinkSchema = Type.Object(
  {
    type: Type.Literal('webhook'),
    url: Type.String({ minLength: 1, description: 'Each checkpoint is POSTed here as JSON.' }),
    headers: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }), Type.String({ maxLength: 8192 }), {
        description: 'Extra request headers; values may reference environment variables (see README).',
      }),
    ),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000 })),
  },
  { additionalProperties: false },
);

export const AuditCheckpointsSectionSchema = Type.Object(
  {
    interval_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400, description: 'Default 60.' })),
    sinks: Type.Array(Type.Union([FileSinkSchema, WebhookSinkSchema]), { maxItems: 16 }),
  },
  { additionalProperties: false },
);
export type AuditCheckpointsSection = Static<typeof AuditCheckpointsSectionSchema>;

export type CheckpointSinkSpec =
  | { type: 'file'; dir: string }
  | { type: 'webhook'; url: string; headers: Record<string, string>; timeoutMs: number };

export interface CheckpointConfig {
  intervalMs: number;
  /** Empty: checkpoints are off. */
  sinks: CheckpointSinkSpec[];
}

const DEFAULT_INTERVAL_S = 60;
const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

function isInside(dir: string, parent: string): boolean {
  const path = relative(parent, dir);
  return path === '' || (!path.startsWith('..') && !isAbsolute(path));
}

function webhookUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(field, 'is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(field, 'must use http: or https:');
  return value;
}

/** Resolves the section against the environment and the data directory; every failure names its field. */
export function resolveCheckpointConfig(
  section: AuditCheckpointsSection | undefined,
  env: NodeJS.ProcessEnv,
  dataDir: string,
): CheckpointConfig {
  const sinks = (section?.sinks ?? []).map((sink, index): CheckpointSinkSpec => {
    const field = `audit.checkpoints.sinks.${index}`;
    if (sink.type === 'file') {
      const dir = resolve(sink.dir);
      if (isInside(dir, dataDir)) {
        throw new ConfigError(`${field}.dir`, `must be outside the data directory (${dataDir}), whose owner it guards`);
      }
      return { type: 'file', dir };
    }
    return {
      type: 'webhook',
      url: webhookUrl(sink.url, `${field}.url`),
      headers: substituteEnvAll(sink.headers, env, `${field}.headers`),
      timeoutMs: sink.timeout_ms ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
    };
  });
  return { intervalMs: (section?.interval_s ?? DEFAULT_INTERVAL_S) * 1000, sinks };
}
