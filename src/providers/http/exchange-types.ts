import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { StreamTransform } from '../../domain/routing/index.ts';
import type { UpstreamRequest } from '../provider-adapter.ts';
import type { CallSignal } from '../types.ts';
import type { ExchangeFailure } from './exchange-failure.ts';

export interface ExchangeOptions {
  dispatcher: Dispatcher;
  request: UpstreamRequest;
  /** Present for streaming calls: bytes go through it and the exchange commits at its first event. */
  transform: StreamTransform | null;
  /** Streams: dispatch to the first complete upstream event. */
  firstByteTimeoutMs: number;
  /** Streams, after the first event: the longest silence between chunks. */
  idleTimeoutMs: number;
  /** JSON calls: dispatch to the end of the body. */
  totalTimeoutMs: number;
  maxBodyBytes: number;
  signal: CallSignal | undefined;
  now: () => number;
}

export interface UpstreamResponse {
  kind: 'response';
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  firstByteAt: number | null;
}

export interface UpstreamStreamStart {
  kind: 'stream';
  status: number;
  headers: IncomingHttpHeaders;
  live: LiveStream;
  firstByteAt: number;
}

/** Receives a committed stream's client bytes; `onData`'s array is reused, so consume it synchronously. */
export interface LiveSink {
  onData(chunks: Buffer[]): void;
  onEnd(complete: boolean): void;
  onError(failure: ExchangeFailure): void;
}

export interface LiveStream {
  readonly transform: StreamTransform;
  attach(sink: LiveSink): void;
  pause(): void;
  resume(): void;
  abort(reason: Error): void;
}
