import type { AuditEventDraft } from '../../domain/audit/index.ts';
import type { RequestTracer } from '../../telemetry/index.ts';
import type { Admission, Authenticator, Authorizer } from './types.ts';

/**
 * Where audit events go: the batched writer, wrapped by the telemetry observer that derives request metrics and
 * the access-log line from each draft (src/telemetry/request-observer.ts).
 */
export interface AuditSink {
  enqueue(draft: AuditEventDraft): void;
  /** True while the queue is at its limit: new requests are refused with 503 until it drains. */
  readonly overloaded: boolean;
}

export interface PipelineMetrics {
  countAuthz(surface: string, permission: string, outcome: string): void;
}

export interface GatewayPipelineDeps {
  regionId: string;
  authenticator: Authenticator;
  authorizer: Authorizer;
  admission: Admission;
  audit: AuditSink;
  metrics: PipelineMetrics;
  /** Null when traces are off. */
  tracer: RequestTracer | null;
  isShuttingDown(): boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    gatehouse: GatewayPipelineDeps;
  }
}
