import type { JsonObject } from '../types.ts';

/**
 * Responses API stream events: each is an SSE event whose `event:` line repeats the payload's `type`, numbered by
 * `sequence_number` from 0 in emission order (OpenAI API reference, "Streaming events").
 */
export class ResponseEventWriter {
  private next = 0;

  /** Continues an upstream's numbering (passthrough): the next event gets `after + 1`. */
  continueAfter(after: number): void {
    if (after + 1 > this.next) this.next = after + 1;
  }

  emit(type: string, fields: JsonObject, out: Buffer[]): void {
    const payload = { type, sequence_number: this.next++, ...fields };
    out.push(Buffer.from(`event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`));
  }

  /**
   * The in-band end of a broken stream: `response.failed` carries the response with its error (what Codex reads),
   * then an `error` event, which the openai SDK raises as an `APIError` from the stream.
   */
  failure(response: JsonObject, code: string, message: string, out: Buffer[]): void {
    this.emit('response.failed', { response: { ...response, status: 'failed', error: { code, message } } }, out);
    this.emit('error', { code, message, param: null }, out);
  }
}
