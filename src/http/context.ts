import type { AuditAuthz, AuditMeta, AuditUpstream, AuditUsage } from '../domain/audit/index.ts';
import type { Principal } from '../domain/principal.ts';
import type { RequestTrace } from '../telemetry/index.ts';
import type { Surface } from './surfaces.ts';

/**
 * Per-request state, one instance per request with every field initialised up front so its shape never changes
 * (V8 keeps one hidden class; fastify's Request/Reply follow the same rule).
 */
export class RequestContext {
  readonly requestId: string;
  readonly startedAt: bigint;
  readonly startedAtMs: number;
  surface: Surface;
  principal: Principal | null = null;
  authz: AuditAuthz | null = null;
  upstream: AuditUpstream | null = null;
  usage: AuditUsage | null = null;
  errorCode: string | null = null;
  meta: AuditMeta | null = null;
  /** Opaque admission reservation, settled when the request ends. */
  reservation: unknown = null;
  /** Time spent waiting on upstreams, subtracted from latency to report the gateway's own overhead. */
  upstreamNs = 0n;
  aborted = false;
  audited = false;
  /** The request's trace when tracing is on (null otherwise: the pipeline then does nothing for it). */
  trace: RequestTrace | null = null;
  /** A streaming handler that is still accounting sets this; the audit event waits for it. */
  pending: Promise<void> | null = null;

  constructor(requestId: string, surface: Surface) {
    this.requestId = requestId;
    this.surface = surface;
    this.startedAt = process.hrtime.bigint();
    this.startedAtMs = Date.now();
  }

  /** Records surface-specific metadata; keys outside the surface's allow-list are dropped (no accidental leaks). */
  setMeta(key: string, value: string | number | boolean | null): void {
    if (!this.surface.auditMeta.includes(key)) return;
    this.meta ??= {};
    this.meta[key] = value;
  }
}
