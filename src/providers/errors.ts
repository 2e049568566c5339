import { UPSTREAM_ERRORS, type UpstreamErrorCode } from '../domain/routing/index.ts';
import type { CallAudit } from './types.ts';

const BRAND = Symbol.for('gatehouse.UpstreamError');

/**
 * A failed upstream call, in the gateway's own terms. The HTTP layer maps `code` to its catalog entry and
 * renders `toResponseObject()`; the upstream's raw error stays in `cause`, for the logs only.
 */
export class UpstreamError extends Error {
  readonly code: UpstreamErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param = null;
  /** Another attempt could succeed; set on the last attempt's error too, for `Retry-After` decisions. */
  readonly retryable: boolean;
  /** HTTP status the upstream returned, when it returned one. */
  readonly upstreamStatus: number | null;
  /** Milliseconds the upstream asked us to wait (429 `Retry-After`), if it said. */
  readonly retryAfterMs: number | null;
  /** What was attempted, for the audit event; filled by the router before it throws. */
  audit: CallAudit | null = null;

  constructor(
    code: UpstreamErrorCode,
    options: {
      message?: string;
      status?: number;
      retryable?: boolean;
      upstreamStatus?: number | null;
      retryAfterMs?: number | null;
      cause?: unknown;
    } = {},
  ) {
    const info = UPSTREAM_ERRORS[code];
    super(options.message ?? info.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UpstreamError';
    this.code = code;
    this.status = options.status ?? info.status;
    this.type = info.type;
    this.retryable = options.retryable ?? false;
    this.upstreamStatus = options.upstreamStatus ?? null;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }

  /** Works across duplicate copies of this module (undici's `Symbol.for` brand, lib/core/errors.js). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value !== null && typeof value === 'object' && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  get [BRAND](): boolean {
    return true;
  }

  toResponseObject(): { error: { message: string; type: string; code: string; param: null } } {
    return { error: { message: this.message, type: this.type, code: this.code, param: null } };
  }
}

/** The requested model has no group. Routes normally check first (`router.hasModel`); this is the backstop. */
export class UnknownModelError extends Error {
  readonly code = 'model_not_found';
  readonly status = 404;
  readonly type = 'invalid_request_error';
  readonly param = 'model';

  constructor(model: string) {
    super(`The model '${model}' does not exist or is not served by this gateway.`);
    this.name = 'UnknownModelError';
  }

  toResponseObject(): { error: { message: string; type: string; code: string; param: string } } {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}
