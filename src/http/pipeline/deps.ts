import type { Admission } from '../../admission/index.ts';
import type { AuditSink } from '../../audit/index.ts';
import type { RequestTracer } from '../../telemetry/index.ts';
import type { Authenticator, Authorizer } from './types.ts';

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
  /** How long a response's last bytes wait for its event's commit before the connection is dropped instead. */
  durableTimeoutMs: number;
  isShuttingDown(): boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    gatehouse: GatewayPipelineDeps;
  }
}
