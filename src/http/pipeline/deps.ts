import type { AuditEventDraft } from '../../domain/audit/index.ts';
import type { Admission, Authenticator, Authorizer, SessionAuthenticator } from './types.ts';

/** Where audit events go: the batched writer in production, the same writer in tests. */
export interface AuditSink {
  enqueue(draft: AuditEventDraft): void;
  /** True while the queue is at its limit: new requests are refused with 503 until it drains. */
  readonly overloaded: boolean;
}

export interface PipelineMetrics {
  countAuthz(surface: string, permission: string, outcome: string): void;
  countRequest(surface: string, status: number): void;
}

export interface GatewayPipelineDeps {
  regionId: string;
  authenticator: Authenticator;
  /** Console session cookies; null where no console is served (then only bearer credentials are accepted). */
  sessions?: SessionAuthenticator | null;
  authorizer: Authorizer;
  admission: Admission;
  audit: AuditSink;
  metrics: PipelineMetrics;
  isShuttingDown(): boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    gatehouse: GatewayPipelineDeps;
  }
}
