/**
 * @module The HTTP exchange an era adapter answers, without a web framework: the request as parsed by the route,
 * and a responder that writes a JSON body, an empty status, or an SSE stream (text/event-stream framing per the
 * WHATWG HTML §9.2 event-stream format, with `:` keep-alive comments as MCP 2026-07-28 asks for long streams).
 */
import type { ServerResponse } from 'node:http';
import type { OutboundTrace } from '../../telemetry/index.ts';
import type { JsonObject } from '../wire.ts';

export interface EdgeRequest {
  method: string;
  /** Lower-case header names, first value of repeated headers. */
  header(name: string): string | undefined;
  /** The parsed JSON body; `undefined` for none, `INVALID_JSON` when it did not parse. */
  body: unknown;
  /** Aborted when the client's connection closes. */
  signal: AbortSignal;
  /** The request's trace: tool calls it makes upstream are its client spans and carry its context. */
  outbound: OutboundTrace | null;
}

export const INVALID_JSON: unique symbol = Symbol('invalid json');

export interface SseStream {
  /** Writes one event; `id` makes it resumable. Returns false once the client is gone. */
  send(message: JsonObject, id?: string): boolean;
  /** A priming event (an id and empty data) and a reconnection delay (SEP-1699). */
  prime(id: string, retryMs: number): void;
  comment(text: string): void;
  end(): void;
  readonly closed: boolean;
  onClose(listener: () => void): void;
}

export interface EdgeResponder {
  json(status: number, body: unknown, headers?: Record<string, string>): void;
  empty(status: number, headers?: Record<string, string>): void;
  /** Starts a 200 text/event-stream response. */
  sse(headers?: Record<string, string>): SseStream;
  /** Whether a response has been started. */
  readonly started: boolean;
}

/** An SSE stream over a Node response whose head the caller has not written yet. */
export class NodeSseStream implements SseStream {
  private readonly response: ServerResponse;
  private readonly keepAlive: NodeJS.Timeout | null;
  private done = false;

  constructor(response: ServerResponse, headers: Record<string, string | number | string[]>, keepAliveMs = 15_000) {
    this.response = response;
    response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      // Stops proxies such as nginx from buffering the stream (MCP 2026-07-28 transports §subscriptions/listen).
      'x-accel-buffering': 'no',
    });
    response.flushHeaders();
    response.once('close', () => {
      this.done = true;
      if (this.keepAlive) clearInterval(this.keepAlive);
    });
    this.keepAlive = keepAliveMs > 0 ? setInterval(() => this.comment('keep-alive'), keepAliveMs) : null;
    this.keepAlive?.unref();
  }

  get closed(): boolean {
    return this.done || this.response.writableEnded || this.response.destroyed;
  }

  send(message: JsonObject, id?: string): boolean {
    if (this.closed) return false;
    this.response.write(`${id === undefined ? '' : `id: ${id}\n`}event: message\ndata: ${JSON.stringify(message)}\n\n`);
    return true;
  }

  prime(id: string, retryMs: number): void {
    if (!this.closed) this.response.write(`id: ${id}\nretry: ${retryMs}\ndata: \n\n`);
  }

  comment(text: string): void {
    if (!this.closed) this.response.write(`: ${text}\n\n`);
  }

  end(): void {
    if (this.keepAlive) clearInterval(this.keepAlive);
    if (!this.closed) this.response.end();
    this.done = true;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.response.once('close', listener);
  }
}
