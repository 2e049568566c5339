/**
 * @module How the server lets go of its connections at shutdown (issue 14, finding 12: SIGTERM reset 5-8 keep-alive
 * requests that arrived during the drain). A reset happens when the server closes a keep-alive connection at the
 * moment the client sends its next request on it. So, from `preClose` on:
 * - every response not yet started carries `Connection: close` (Fastify adds it to requests that arrive while
 *   closing; this covers those already in progress), so the client knows not to send another on that connection;
 * - a request that arrives anyway is answered: 503 `shutting_down` with `Retry-After` on authenticated surfaces;
 * - a connection with no request in progress is closed only once it has been quiet (no byte read) for a whole
 *   sweep interval: a client in the middle of using it sends within that time and gets its answer;
 * - the listener stays open (answering as above) until no connection is idle-but-recent, for at most `graceMs`, and
 *   `server.close()`, which would close every idle connection at once, closes only the quiet ones.
 * Connections that never sent a byte (pre-opened by clients, some load-balancer checks) fall under the same
 * quiet rule, so shutdown takes as long as the longest request in flight plus a sweep or two.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

const SWEEP_MS = 100;

type TrackedSocket = Socket & { _httpMessage?: ServerResponse | null };

export interface DrainOptions {
  /** Longest wait for recently used idle connections to fall quiet before the listener closes. */
  graceMs: number;
}

export function drainConnectionsOnClose(app: FastifyInstance, { graceMs }: DrainOptions): void {
  const sockets = new Map<TrackedSocket, number>();
  app.server.on('connection', (socket: Socket) => {
    sockets.set(socket, -1);
    socket.once('close', () => sockets.delete(socket));
  });

  /**
   * Closes the connections still quiet once pending input has been read. A timer fires before the event loop polls
   * for I/O, so a request that arrived while the loop was busy is still unread when the sweep looks; `setImmediate`
   * runs after that poll, and a connection that received its next request there is spared.
   */
  const closeQuiet = (candidates: TrackedSocket[]): void => {
    setImmediate(() => {
      for (const socket of candidates) {
        if (!socket._httpMessage && socket.bytesRead === sockets.get(socket)) socket.destroy();
      }
    });
  };

  /** One pass; returns how many idle connections are still too recently active to close. */
  const sweep = (): number => {
    let recent = 0;
    const quiet: TrackedSocket[] = [];
    for (const [socket, seen] of sockets) {
      const response = socket._httpMessage;
      if (response) {
        if (!response.headersSent) response.setHeader('connection', 'close');
        sockets.set(socket, -1);
      } else if (socket.bytesRead === seen) {
        quiet.push(socket);
      } else {
        sockets.set(socket, socket.bytesRead);
        recent++;
      }
    }
    if (quiet.length > 0) closeQuiet(quiet);
    return recent;
  };

  app.addHook('preClose', async () => {
    // Node's `server.close()` closes every idle connection at once, however recently it was used; from here on,
    // "idle" means quiet for a whole sweep.
    app.server.closeIdleConnections = sweep;
    const deadline = Date.now() + graceMs;
    while (sweep() > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, SWEEP_MS));
    }
    // Requests in flight may finish after the listener closes; their connections fall quiet and are swept too.
    const timer = setInterval(sweep, SWEEP_MS);
    timer.unref();
    app.server.once('close', () => clearInterval(timer));
  });
}
