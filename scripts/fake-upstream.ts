/**
 * @module
 * A standalone OpenAI-compatible upstream on 127.0.0.1 (the bench's, answering from fixed bytes) for the container
 * smoke test (`scripts/ci-image.sh`): prints `listening <port>`, serves until SIGTERM.
 */
import type { AddressInfo } from 'node:net';
import { createBenchUpstream } from '../bench/fake-upstream.ts';

const server = createBenchUpstream();
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
