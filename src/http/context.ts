import type { FastifyRequest } from 'fastify';
import type { AdmissionTicket } from '../admission/index.ts';
import type { AuditAuthz, AuditMeta, AuditUpstream, AuditUsage } from '../domain/audit/index.ts';
import type { Principal } from '../domain/principal.ts';
import type { ClientCall } from '../llm/index.ts';
import type { OutboundTrace, RequestTrace } from '../telemetry/index.ts';
import type { Surface } from './surfaces.ts';

/**
 * Builds a route's typed call from its validated body (the route boundary): runs after the body is parsed and
 * before admission, so a body refused here admits nothing. Throws the catalog error for bad input, an unknown
 * model or one the key may not use.
 */
export type CallBuilder = (request: FastifyRequest) => Promise<ClientCall>;

/**
 * Per-request state, one instance per request with every field initialised up front so its shape never changes
 * (V8 keeps one hidden class; fastify's Request/Reply follow the same rule).
 */
export class RequestContext {
  readonly requestId: string;
  readonly startedAt: bigint;
  readonly startedAtMs: number;
  surface: Surface;
  /** The route's call builder; null on routes that take no model call. */
  readonly buildCall: CallBuilder | null;
  principal: Principal | null = null;
  authz: AuditAuthz | null = null;
  /** The typed call, once built at the route boundary. */
  call: ClientCall | null = null;
  upstream: AuditUpstream | null = null;
  usage: AuditUsage | null = null;
  errorCode: string | null = null;
  meta: AuditMeta | null = null;
  /** Admission's ticket, settled when the request ends. */
  ticket: AdmissionTicket | null = null;
  /** Time spent waiting on upstreams, subtracted from latency to report the gateway's own overhead. */
  upstreamNs = 0n;
  aborted = false;
  audited = false;
  /** The request's trace when tracing is on (null otherwise: the pipeline then does nothing for it). */
  trace: RequestTrace | null = null;
  /**
   * What upstream calls carry and record: the trace itself when on; with it off, the client's trace context passed
   * on unchanged when it sent one; else null (nothing to propagate).
   */
  outbound: OutboundTrace | null = null;
  /** A streaming handler that is still accounting sets this; the audit event waits for it. */
  pending: Promise<void> | null = null;

  constructor(requestId: string, surface: Surface, buildCall: CallBuilder | null = null) {
    this.requestId = requestId;
    this.surface = surface;
    this.buildCall = buildCall;
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
