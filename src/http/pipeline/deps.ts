import type { AuditEventDraft } from '../../domain/audit/index.ts';
import type { LedgerDelta } from '../../domain/limits/index.ts';
import type { RequestTracer } from '../../telemetry/index.ts';
import type { Admission, Authenticator, Authorizer, SessionAuthenticator } from './types.ts';

/**
 * Where audit events go: the batched writer (in-thread or on the audit thread), wrapped by the telemetry observer
 * that derives request metrics and the access-log line from each draft (src/telemetry/request-observer.ts).
 */
export interface AuditSink {
  /**
   * Accepts one event and, for a metered request, its ledger delta, committed in one transaction. Resolves once
   * that commit completed; never rejects (failed commits are retried, and the queue limit sheds new load).
   */
  enqueue(draft: AuditEventDraft, spend?: LedgerDelta | null): Promise<void>;
  /** True while the queue is at its limit: new requests are refused with 503 until it drains. */
  readonly overloaded: boolean;
}

export interface PipelineMetrics {
  countAuthz(surface: string, permission: string, outcome: string): void;
}

/** The per-source throttle on failed authentication (src/audit/refusal-throttle.ts). */
export interface AuthFailureThrottle {
  /** Notes a failure; null while within the allowance, else the seconds until the source may try again. */
  noteFailure(source: string): number | null;
}

export interface GatewayPipelineDeps {
  regionId: string;
  authenticator: Authenticator;
  /** Console session cookies; null where no console is served (then only bearer credentials are accepted). */
  sessions?: SessionAuthenticator | null;
  authorizer: Authorizer;
  admission: Admission;
  audit: AuditSink;
  authThrottle: AuthFailureThrottle;
  metrics: PipelineMetrics;
  /** Null when traces are off. */
  tracer: RequestTracer | null;
  /** How long a response's last bytes wait for its event's commit before the connection is dropped instead. */
  durableTimeoutMs: number;
  isShuttingDown(): boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    gatehouse: GatewayPipelineDeps;
  }
}
