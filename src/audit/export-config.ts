/**
 * @module `audit.export` in the YAML file: where committed audit events are streamed (a webhook sink). Header
 * values may reference `${ENV_NAME}` (the sink's token stays out of the file), resolved at start; an unset one is
 * a config error naming the field.
 */
import { type Static, Type } from '@sinclair/typebox';
import { substituteEnvAll } from '../config/env-references.ts';
import type { AuditWebhookSink } from './stream-export.ts';

export const AuditExportSectionSchema = Type.Object(
  {
    webhook: Type.Object(
      {
        /** Names the stored delivery position; a new id exports everything again from the first event. */
        id: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' })),
        url: Type.String({ pattern: '^https?://' }),
        headers: Type.Optional(
          Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }), Type.String({ maxLength: 8192 })),
        ),
        batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
        interval_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000 })),
        timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type AuditExportSection = Static<typeof AuditExportSectionSchema>;

export function resolveAuditExport(
  section: AuditExportSection | undefined,
  env: NodeJS.ProcessEnv,
): AuditWebhookSink | null {
  if (section === undefined) return null;
  const { webhook } = section;
  const headers = substituteEnvAll(webhook.headers, env, 'audit.export.webhook.headers');
  return {
    id: webhook.id ?? 'webhook',
    url: webhook.url,
    headers,
    batchSize: webhook.batch_size ?? 500,
    intervalMs: webhook.interval_ms ?? 1000,
    timeoutMs: webhook.timeout_ms ?? 10_000,
  };
}
