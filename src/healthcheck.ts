/**
 * @module
 * The container's `HEALTHCHECK`: exits 0 when `GET /healthz` on this container answers 200 within 3 s, 1 otherwise.
 * A script of its own rather than curl, so the runtime image needs no tool beside Node.
 */
import { request } from 'node:http';

const port = Number(process.env.PORT ?? 8080);
const host =
  process.env.HOST && process.env.HOST !== '0.0.0.0' && process.env.HOST !== '::' ? process.env.HOST : '127.0.0.1';

const probe = request({ host, port, path: '/healthz', timeout: 3000 }, (response) => {
  response.resume();
  process.exit(response.statusCode === 200 ? 0 : 1);
});
probe.on('timeout', () => probe.destroy(new Error('timed out')));
probe.on('error', (error) => {
  process.stderr.write(`healthcheck: ${error.message}\n`);
  process.exit(1);
});
probe.end();
