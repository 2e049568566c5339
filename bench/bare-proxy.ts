import { createServer, type Server } from 'node:http';
import { Pool } from 'undici';

/**
 * The baseline: the least a Node proxy can do (read the body, one undici `Pool` request, pipe the reply back),
 * with no auth, policy, audit or parsing. Gatehouse's overhead is measured against this.
 */
export function createBareProxy(upstreamOrigin: string, upstreamPath: string): Server {
  const pool = new Pool(upstreamOrigin, { connections: 128, pipelining: 1 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      pool
        .request({
          path: upstreamPath,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: Buffer.concat(chunks),
        })
        .then(({ statusCode, headers, body }) => {
          res.writeHead(statusCode, { 'content-type': String(headers['content-type'] ?? 'application/json') });
          body.pipe(res);
        })
        .catch(() => {
          res.writeHead(502).end();
        });
    });
  });
  server.on('close', () => {
    pool.close().catch(() => {});
  });
  return server;
}
