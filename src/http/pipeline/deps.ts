import type { Admission } from '../../admission/index.ts';
import type { AuditSink } from '../../audit/index.ts';
import type { RequestTracer } from '../../telemetry/index.ts';
import type { CorsPolicy } from '../cors.ts';
import type { Authenticator, Authorizer, SessionAuthenticator } from './types.ts';

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
  /** The surface families open to browsers (`cors:`); null or absent: no CORS stage runs at all. */
  cors?: CorsPolicy | null;
  /** How long a response's last bytes wait for its event's commit before the connection is dropped instead. */
  durableTimeoutMs: number;
  isShuttingDown(): boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    gatehouse: GatewayPipelineDeps;
  }
}
