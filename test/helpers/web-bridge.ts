/**
 * @module Serves a web-standard MCP handler (the SDK 2.x server's `fetch`-shaped entries) from `node:http`: the
 * conformance fixture's process and the in-process upstreams of the SDK client suites use it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The web `Request` for a node request. Given the `reply`, a client that hangs up before the answer is complete
 * aborts the request's signal, as a runtime serving `fetch` natively would: that is how a 2026-07-28 client
 * cancels (transports: closing the response stream).
 */
export function toWebRequest(request: IncomingMessage, body: string | undefined, reply?: ServerResponse): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const init: RequestInit = { method: request.method, headers, body };
  if (reply) {
    const controller = new AbortController();
    reply.once('close', () => {
      if (!reply.writableFinished) controller.abort();
    });
    init.signal = controller.signal;
  }
  return new Request(`http://127.0.0.1${request.url}`, init);
}

export async function sendWeb(response: Response, reply: ServerResponse): Promise<void> {
  reply.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body === null) return void reply.end();
  const reader = response.body.getReader();
  reply.on('close', () => void reader.cancel().catch(() => {}));
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    reply.write(value);
  }
  reply.end();
}
