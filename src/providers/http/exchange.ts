import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { StreamTransform } from '../../domain/routing/index.ts';
import {
  badResponse,
  ClientAbortError,
  ExchangeFailure,
  failureFromError,
  failureFromFault,
  GatewayTimeoutError,
} from './exchange-failure.ts';
import type { ExchangeOptions, LiveSink, LiveStream, UpstreamResponse, UpstreamStreamStart } from './exchange-types.ts';

export type { ExchangeOptions, LiveSink, LiveStream, UpstreamResponse, UpstreamStreamStart };

const WAITING = 0;
const STREAMING = 1;
const DONE = 2;
/** Error bodies are read for a message only; the rest is discarded. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

function isJsonContentType(value: string | string[] | undefined): boolean {
  return typeof value === 'string' && /^application\/json\b/i.test(value);
}

/**
 * One upstream HTTP exchange over undici's dispatch API (new-style handler hooks, STYLE §6), as a small state
 * machine: WAITING until the body is complete (JSON) or the first stream event arrived (the commit point, up
 * to which a failure is still retryable elsewhere), STREAMING while relaying, DONE after either.
 * Every timer, abort and error funnels through `fail`, which settles exactly once.
 */
class Exchange implements Dispatcher.DispatchHandler, LiveStream {
  readonly transform: StreamTransform;
  private readonly options: ExchangeOptions;
  private readonly resolve: (value: UpstreamResponse | UpstreamStreamStart) => void;
  private readonly reject: (failure: ExchangeFailure) => void;
  private controller: Dispatcher.DispatchController | null = null;
  private abortReason: Error | null = null;
  private phase = WAITING;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private collecting = true;
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly out: Buffer[] = [];
  private sink: LiveSink | null = null;
  private pendingEnd: boolean | null = null;
  private pendingError: ExchangeFailure | null = null;
  private timer: NodeJS.Timeout | null = null;
  private firstByteAt: number | null = null;
  readonly onAbortSignal: () => void;

  constructor(
    options: ExchangeOptions,
    resolve: (value: UpstreamResponse | UpstreamStreamStart) => void,
    reject: (failure: ExchangeFailure) => void,
  ) {
    // Assigned here rather than as an arrow class field: tsx's keep-names transform wraps a named arrow in a
    // `__name` call (an Object.defineProperty) on every construction, which showed in the bench's CPU profile.
    this.onAbortSignal = () => this.fail(failureFromError(new ClientAbortError(), null));
    this.options = options;
    this.resolve = resolve;
    this.reject = reject;
    this.transform = options.transform as StreamTransform;
    const stream = options.transform !== null;
    this.arm(
      stream ? options.firstByteTimeoutMs : options.totalTimeoutMs,
      stream ? 'GH_FIRST_BYTE_TIMEOUT' : 'GH_TOTAL_TIMEOUT',
    );
  }

  private arm(ms: number, code: GatewayTimeoutError['code']): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => this.fail(failureFromError(new GatewayTimeoutError(code, ms), this.status || null)),
      ms,
    );
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private settle(): void {
    this.phase = DONE;
    this.disarm();
    this.options.signal?.removeEventListener('abort', this.onAbortSignal);
  }

  fail(failure: ExchangeFailure): void {
    if (this.phase === DONE) return;
    const wasWaiting = this.phase === WAITING;
    this.settle();
    const reason = (failure.cause as Error | undefined) ?? failure;
    if (this.controller !== null) {
      if (!this.controller.aborted) this.controller.abort(reason);
    } else {
      this.abortReason = reason;
    }
    if (wasWaiting) {
      this.reject(failure);
    } else if (this.sink !== null) {
      this.flush();
      this.sink.onError(failure);
    } else {
      this.pendingError = failure;
    }
  }

  private commit(): void {
    this.phase = STREAMING;
    this.arm(this.options.idleTimeoutMs, 'GH_IDLE_TIMEOUT');
    this.resolve({
      kind: 'stream',
      status: this.status,
      headers: this.headers,
      live: this,
      firstByteAt: this.firstByteAt ?? this.options.now(),
    });
  }

  private finishStream(complete: boolean): void {
    this.settle();
    if (this.sink === null) {
      this.pendingEnd = complete;
      return;
    }
    this.flush();
    this.sink.onEnd(complete);
  }

  private flush(): void {
    if (this.sink !== null && this.out.length > 0) {
      this.sink.onData(this.out);
      this.out.length = 0;
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortReason !== null) controller.abort(this.abortReason);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    if (this.phase === DONE) return;
    this.status = status;
    this.headers = headers;
    const streamable = this.options.transform !== null && status >= 200 && status < 300;
    this.collecting = !streamable || isJsonContentType(headers['content-type']);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.phase === DONE) return;
    this.firstByteAt ??= this.options.now();
    if (this.collecting) {
      const ok = this.status >= 200 && this.status < 300;
      const limit = ok ? this.options.maxBodyBytes : MAX_ERROR_BODY_BYTES;
      if (this.size + chunk.length > limit) {
        if (ok) this.fail(badResponse(`upstream response exceeds ${limit} bytes`, this.status));
        return;
      }
      this.chunks.push(chunk);
      this.size += chunk.length;
      return;
    }
    this.transform.push(chunk, this.out);
    if (this.transform.fault !== null) {
      this.fail(failureFromFault(this.transform.fault, this.status));
    } else if (this.phase === WAITING) {
      if (this.transform.events > 0) this.commit();
    } else {
      this.timer?.refresh();
      this.flush();
    }
  }

  onResponseEnd(): void {
    if (this.phase === DONE) return;
    if (this.collecting) {
      const body = Buffer.concat(this.chunks, this.size);
      this.chunks = [];
      this.settle();
      this.resolve({
        kind: 'response',
        status: this.status,
        headers: this.headers,
        body,
        firstByteAt: this.firstByteAt,
      });
      return;
    }
    const complete = this.transform.end(this.out);
    if (this.transform.fault !== null) {
      this.fail(failureFromFault(this.transform.fault, this.status));
      return;
    }
    if (this.phase === WAITING) {
      if (this.transform.events === 0) {
        this.fail(badResponse('upstream stream ended without any event', this.status));
        return;
      }
      this.commit();
    }
    this.finishStream(complete);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(failureFromError(error, this.status || null));
  }

  attach(sink: LiveSink): void {
    this.sink = sink;
    this.flush();
    if (this.pendingError !== null) sink.onError(this.pendingError);
    else if (this.pendingEnd !== null) sink.onEnd(this.pendingEnd);
  }

  pause(): void {
    if (this.phase !== STREAMING) return;
    // A client reading slowly is not an idle upstream.
    this.disarm();
    this.controller?.pause();
  }

  resume(): void {
    if (this.phase !== STREAMING) return;
    this.arm(this.options.idleTimeoutMs, 'GH_IDLE_TIMEOUT');
    this.controller?.resume();
  }

  abort(reason: Error): void {
    this.fail(
      failureFromError(reason instanceof ExchangeFailure ? reason : new ClientAbortError(), this.status || null),
    );
  }
}

/**
 * Sends one request and resolves at the commit point: the whole body for JSON calls and for any non-2xx
 * response, or the first complete event for streams. Rejects with `ExchangeFailure` before that point.
 */
export function runExchange(options: ExchangeOptions): Promise<UpstreamResponse | UpstreamStreamStart> {
  return new Promise((resolve, reject) => {
    const exchange = new Exchange(options, resolve, reject);
    if (options.signal?.aborted) {
      exchange.onAbortSignal();
      return;
    }
    options.signal?.addEventListener('abort', exchange.onAbortSignal, { once: true });
    const stream = options.transform !== null;
    // undici's own timers stay as a backstop behind ours, which fire first and classify precisely.
    const backstop = (stream ? options.firstByteTimeoutMs : options.totalTimeoutMs) + 1_000;
    try {
      options.dispatcher.dispatch(
        {
          path: options.request.path,
          method: options.request.method,
          headers: options.request.headers,
          body: options.request.body,
          headersTimeout: backstop,
          bodyTimeout: stream ? 0 : backstop,
        },
        exchange,
      );
    } catch (error) {
      exchange.fail(failureFromError(error, null));
    }
  });
}
