import { UPSTREAM_ERRORS } from '../domain/routing/index.ts';
import type { LiveStream } from './http/exchange.ts';
import { ClientAbortError, type ExchangeFailure } from './http/exchange-failure.ts';
import type { CallAudit, RelayStream, ResponseSink } from './types.ts';

/** How a committed stream ended, for the audit. */
export type StreamEnd =
  | { kind: 'complete' }
  | { kind: 'truncated'; failure: ExchangeFailure | null }
  | { kind: 'aborted'; failure: ExchangeFailure | null };

const TRUNCATED = 'upstream_stream_truncated';

/**
 * Writes a committed upstream stream to the client. A stream cut after its first event cannot fail over any
 * more, so it ends with an in-band error event and never with `[DONE]` / `"done": true`: a client must not
 * mistake half an answer for a whole one.
 *
 * The bytes from the batch holding the terminal event onwards go out with `sink.end(...)` instead of `write`:
 * the HTTP pipeline holds a response's end until the request's audit event is committed (README "Reliability"),
 * and a client that stops reading at `[DONE]` would otherwise hold a whole answer whose event could still be lost.
 */
export function createRelayStream(live: LiveStream, finalize: (end: StreamEnd) => CallAudit): RelayStream {
  let audit: CallAudit | null = null;

  function settle(end: StreamEnd): CallAudit {
    audit ??= finalize(end);
    return audit;
  }

  return {
    pipeTo(sink: ResponseSink): Promise<CallAudit> {
      return new Promise((resolve) => {
        let waitingForDrain = false;
        // Set once the transform has seen the terminal event; everything from then on waits for the end.
        let tail: Buffer[] | null = null;
        const onDrain = (): void => {
          waitingForDrain = false;
          live.resume();
        };

        function writeAll(chunks: readonly Buffer[]): void {
          if (chunks.length === 0) return;
          if (tail !== null || live.transform.finished) {
            // The array is reused by the exchange; the buffers themselves are not.
            tail = tail === null ? [...chunks] : tail.concat(chunks);
            return;
          }
          // One write per batch of events: each response write is a chunk frame of its own (a length line, the
          // bytes, a CRLF), and an upstream read usually carries several events.
          const flowing = sink.write(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
          if (!flowing && !waitingForDrain) {
            waitingForDrain = true;
            live.pause();
            sink.once('drain', onDrain);
          }
        }

        function endWith(extra: readonly Buffer[]): void {
          const last = tail === null ? extra : tail.concat(extra);
          tail = null;
          if (last.length === 0) sink.end();
          else sink.end(last.length === 1 ? (last[0] as Buffer) : Buffer.concat(last));
        }

        function endWithError(failure: ExchangeFailure | null): void {
          const out: Buffer[] = [];
          const message =
            failure === null
              ? UPSTREAM_ERRORS[TRUNCATED].message
              : `${UPSTREAM_ERRORS[TRUNCATED].message} (${failure.verdict.code})`;
          live.transform.fail(TRUNCATED, message, out);
          endWith(out);
          resolve(settle({ kind: 'truncated', failure }));
        }

        live.attach({
          onData: writeAll,
          onEnd(complete) {
            if (!complete) {
              endWithError(null);
              return;
            }
            endWith([]);
            resolve(settle({ kind: 'complete' }));
          },
          onError(failure) {
            if (failure.verdict.code === 'client_aborted') {
              // The client is gone: nothing to write, but the usage so far still gets recorded.
              resolve(settle({ kind: 'aborted', failure }));
              return;
            }
            endWithError(failure);
          },
        });
      });
    },
    cancel() {
      live.abort(new ClientAbortError());
      settle({ kind: 'aborted', failure: null });
    },
  };
}
