import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Pool } from 'undici';

function readBody(req: IncomingMessage, then: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => then(Buffer.concat(chunks)));
}

/**
 * The baseline: the least a Node proxy can do (read the body, one undici `Pool` request to the same path, pipe the
 * reply back), with no auth, policy, audit or parsing. Gatehouse's overhead is measured against this, on chat
 * (`/v1/chat/completions`) and on Anthropic's Messages (`/v1/messages`) alike.
 */
export function createBareProxy(upstreamOrigin: string): Server {
  const pool = new Pool(upstreamOrigin, { connections: 128, pipelining: 1 });
  const server = createServer((req, res) => {
    readBody(req, (body) => {
      const path = req.url ?? '/';
      pool
        .request({ path, method: 'POST', headers: { 'content-type': 'application/json' }, body })
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

/**
 * A reference point, not a product: the bare proxy plus the one thing every gateway that reads requests must do,
 * parse the JSON body and serialize it again for the upstream (and the same for a JSON reply; streams are piped).
 * No framework, auth, policy, limits or audit. The distance from the bare proxy to this is the cost of looking at
 * the body at all; the distance from this to the gateway is the cost of everything else.
 */
export function createJsonProxy(upstreamOrigin: string, upstreamPath: string): Server {
  const pool = new Pool(upstreamOrigin, { connections: 128, pipelining: 1 });
  const server = createServer((req, res) => {
    readBody(req, (raw) => {
      const parsed = JSON.parse(raw.toString('utf8')) as { stream?: unknown };
      const body = JSON.stringify(parsed);
      pool
        .request({ path: upstreamPath, method: 'POST', headers: { 'content-type': 'application/json' }, body })
        .then(async ({ statusCode, headers, body }) => {
          const contentType = String(headers['content-type'] ?? 'application/json');
          if (parsed.stream === true) {
            res.writeHead(statusCode, { 'content-type': contentType });
            body.pipe(res);
            return;
          }
          const reply = JSON.stringify(JSON.parse(await body.text()));
          res.writeHead(statusCode, { 'content-type': contentType }).end(reply);
        })
        .catch(() => {
          if (!res.headersSent) res.writeHead(502);
          res.end();
        });
    });
  });
  server.on('close', () => {
    pool.close().catch(() => {});
  });
  return server;
}
