/**
 * @module Everything the gateway reports about a finished request is read from its audit event draft: request
 * metrics, GenAI metrics, admission denials and the access-log line. The draft already holds the principal,
 * surface, status, outcome, latency, model, upstream and usage, so no route records them twice and the numbers on
 * `/metrics`, in the log and in the audit trail cannot disagree.
 */
import type { Logger } from 'pino';
import type { AuditEventDraft } from '../domain/audit/index.ts';
import { genAiOperation } from './genai.ts';
import type { DenialReason, GatewayMetrics } from './metrics.ts';

export interface AccessLogOptions {
  enabled: boolean;
  /** Fraction of successful requests that get a line; every other outcome always does. */
  sampleRatio: number;
  level: 'info' | 'debug' | 'trace';
}

export interface RequestObserverOptions {
  metrics: GatewayMetrics;
  logger: Logger;
  accessLog: AccessLogOptions;
  /** The catalog's classification of an error code as an admission or policy denial, or null. */
  denialReason(code: string): DenialReason | null;
  /** Draws in [0, 1) for log sampling; tests pass a fixed sequence. */
  random?: () => number;
}

export type RequestObserver = (draft: AuditEventDraft) => void;

function numberMeta(draft: AuditEventDraft, key: string): number | null {
  const value = draft.meta[key];
  return typeof value === 'number' ? value : null;
}

function modelOf(draft: AuditEventDraft): string | null {
  const value = draft.meta.model;
  return typeof value === 'string' ? value : null;
}

function observeLlm(metrics: GatewayMetrics, draft: AuditEventDraft, operation: string, model: string): void {
  const upstream = draft.upstream;
  if (upstream === null) return;
  const ttftMs = numberMeta(draft, 'ttft_ms');
  metrics.observeLlmCall({
    operation,
    model,
    upstream: upstream.id,
    outcome: draft.outcome,
    durationSeconds: draft.latency_ms / 1000,
    inputTokens: draft.usage?.prompt_tokens ?? null,
    outputTokens: draft.usage?.completion_tokens ?? null,
    ttftSeconds: ttftMs === null ? null : ttftMs / 1000,
    costUsd: draft.usage?.cost_usd ?? null,
    tenantId: draft.principal?.tenant_id ?? null,
    teamId: draft.principal?.team_id ?? null,
  });
}

function writeAccessLine(logger: Logger, level: AccessLogOptions['level'], draft: AuditEventDraft): void {
  const { principal, usage } = draft;
  logger[level](
    {
      kind: 'access',
      request_id: draft.request_id,
      trace_id: draft.trace_id ?? null,
      principal: principal === null ? null : `${principal.type}:${principal.id}`,
      tenant_id: principal?.tenant_id ?? null,
      team_id: principal?.team_id ?? null,
      surface: draft.surface,
      method: draft.method,
      path: draft.path,
      model: modelOf(draft),
      upstream: draft.upstream?.id ?? null,
      status: draft.status,
      outcome: draft.outcome,
      error_code: draft.error_code,
      latency_ms: Math.round(draft.latency_ms * 1000) / 1000,
      tokens: usage === null ? null : { input: usage.prompt_tokens, output: usage.completion_tokens },
    },
    'request',
  );
}

export function createRequestObserver(options: RequestObserverOptions): RequestObserver {
  const { metrics, logger, accessLog, denialReason } = options;
  const random = options.random ?? Math.random;
  // Decided once: a disabled or filtered-out level costs a boolean test per request, nothing more.
  const logging = accessLog.enabled && logger.isLevelEnabled(accessLog.level);
  return function observeRequest(draft: AuditEventDraft): void {
    metrics.countRequest(draft.surface, draft.status, draft.latency_ms / 1000);
    if (draft.error_code !== null && draft.status >= 400 && draft.status < 500) {
      const reason = denialReason(draft.error_code);
      if (reason !== null) metrics.countDenial(draft.surface, reason);
    }
    const operation = genAiOperation(draft.authz?.permission);
    if (operation !== null) {
      const model = modelOf(draft);
      if (model !== null) observeLlm(metrics, draft, operation, model);
    }
    if (logging && (draft.outcome !== 'success' || accessLog.sampleRatio >= 1 || random() < accessLog.sampleRatio)) {
      writeAccessLine(logger, accessLog.level, draft);
    }
  };
}
