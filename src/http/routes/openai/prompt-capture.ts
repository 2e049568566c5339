/**
 * @module Prompt logging on the LLM routes (issue 18): for a key that opted in (itself, or through its team), the
 * request body and what the client
 * received (a JSON reply, or every byte of a stream, in the dialect's own events) are recorded once the call is
 * over. Nothing is captured for any other key, and the write is never awaited by the request: the store's insert
 * runs after the response, off the request path, and a failure is logged, not answered.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Principal } from '../../../domain/principal.ts';
import type { PromptLogOptIn, PromptLogRecorder } from '../../../prompt-log/index.ts';
import type { ResponseSink } from '../../../providers/index.ts';

/** Caps what one entry holds of a stream; a longer one is cut and says so (the call itself is never limited). */
const MAX_CAPTURED_BYTES = 4 * 1024 * 1024;

export class PromptCapture {
  readonly #recorder: PromptLogRecorder;
  readonly #principal: Principal;
  readonly #requestId: string;
  readonly #request: unknown;
  /** Resolved once, as the call begins: a setting changed mid-call applies from the next call. */
  readonly #optIn: PromptLogOptIn;
  readonly #chunks: Buffer[] = [];
  #bytes = 0;
  #truncated = false;

  private constructor(
    recorder: PromptLogRecorder,
    principal: Principal,
    requestId: string,
    request: unknown,
    optIn: PromptLogOptIn,
  ) {
    this.#recorder = recorder;
    this.#principal = principal;
    this.#requestId = requestId;
    this.#request = request;
    this.#optIn = optIn;
  }

  /** A capture when the calling key opted in, or its team did (and the operator allows it); null for all others. */
  static forCall(
    recorder: PromptLogRecorder | null,
    principal: Principal | null,
    requestId: string,
    request: unknown,
  ): PromptCapture | null {
    if (recorder === null || principal === null) return null;
    const optIn = recorder.optInFor(principal);
    return optIn === null ? null : new PromptCapture(recorder, principal, requestId, request, optIn);
  }

  #keep(chunk: Buffer | undefined): void {
    if (chunk === undefined || this.#truncated) return;
    const room = MAX_CAPTURED_BYTES - this.#bytes;
    if (chunk.length > room) {
      this.#chunks.push(chunk.subarray(0, room));
      this.#bytes = MAX_CAPTURED_BYTES;
      this.#truncated = true;
      return;
    }
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
  }

  /** The JSON reply as sent. */
  keepReply(body: Buffer): void {
    this.#keep(body);
  }

  /** A sink that writes to `sink` and keeps a copy of every byte of the stream. */
  tee(sink: ResponseSink): ResponseSink {
    return {
      write: (chunk) => {
        this.#keep(chunk);
        return sink.write(chunk);
      },
      end: (chunk) => {
        this.#keep(chunk);
        sink.end(chunk);
      },
      once: (event, listener) => sink.once(event, listener),
    };
  }

  /** Records the entry on a later turn of the event loop; never throws into the request. */
  recordLater(logger: FastifyBaseLogger): void {
    setImmediate(() => {
      const text = Buffer.concat(this.#chunks).toString('utf8');
      this.#recorder
        .record({
          requestId: this.#requestId,
          keyId: this.#principal.id,
          tenantId: this.#principal.tenantId,
          teamId: this.#principal.teamId,
          optIn: this.#optIn,
          request: this.#request,
          response: this.#truncated ? `${text}\n[truncated at ${MAX_CAPTURED_BYTES} bytes]` : text,
        })
        .catch((error: unknown) =>
          logger.error({ err: error, request_id: this.#requestId }, 'prompt log write failed'),
        );
    });
  }
}
