import {
  BAD_RESPONSE,
  classifyTransportError,
  type FailureVerdict,
  type StreamFault,
} from '../../domain/routing/index.ts';

/** Why one attempt failed, with the routing verdict; `cause` keeps the original error for the logs. */
export class ExchangeFailure extends Error {
  readonly verdict: FailureVerdict;
  readonly status: number | null;

  constructor(verdict: FailureVerdict, message: string, status: number | null, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ExchangeFailure';
    this.verdict = verdict;
    this.status = status;
  }
}

/** Our own deadlines, named like undici's so logs read the same (`UND_ERR_HEADERS_TIMEOUT` and friends). */
export class GatewayTimeoutError extends Error {
  readonly code: 'GH_FIRST_BYTE_TIMEOUT' | 'GH_IDLE_TIMEOUT' | 'GH_TOTAL_TIMEOUT';

  constructor(code: GatewayTimeoutError['code'], ms: number) {
    super(`${code === 'GH_IDLE_TIMEOUT' ? 'no upstream data' : 'no upstream response'} within ${ms} ms`);
    this.name = 'GatewayTimeoutError';
    this.code = code;
  }
}

export class ClientAbortError extends Error {
  readonly code = 'GH_CLIENT_ABORTED';

  constructor() {
    super('the client closed the request');
    this.name = 'ClientAbortError';
  }
}

const TIMEOUT: FailureVerdict = Object.freeze({
  code: 'upstream_timeout',
  retryable: true,
  penalizeTarget: true,
  penalizeKey: null,
});

const ABORTED: FailureVerdict = Object.freeze({
  code: 'client_aborted',
  retryable: false,
  penalizeTarget: false,
  penalizeKey: null,
});

const STREAM_ERROR: FailureVerdict = Object.freeze({
  code: 'upstream_unavailable',
  retryable: true,
  penalizeTarget: true,
  penalizeKey: null,
});

export function failureFromError(error: unknown, status: number | null): ExchangeFailure {
  if (error instanceof ExchangeFailure) return error;
  if (error instanceof GatewayTimeoutError) return new ExchangeFailure(TIMEOUT, error.message, status, error);
  if (error instanceof ClientAbortError) return new ExchangeFailure(ABORTED, error.message, status, error);
  const code = (error as { code?: unknown } | null)?.code;
  const verdict = classifyTransportError(typeof code === 'string' ? code : undefined);
  const message = error instanceof Error ? error.message : String(error);
  return new ExchangeFailure(verdict, `upstream transport error: ${message}`, status, error);
}

export function failureFromFault(fault: StreamFault, status: number): ExchangeFailure {
  return fault === 'bad_response'
    ? new ExchangeFailure(BAD_RESPONSE, 'upstream stream is not valid for this API', status)
    : new ExchangeFailure(STREAM_ERROR, 'upstream sent an error event in its stream', status);
}

export function badResponse(message: string, status: number | null): ExchangeFailure {
  return new ExchangeFailure(BAD_RESPONSE, message, status);
}
