/**
 * A real gateway process with the limits probe family, for the multi-instance suite: `node --import tsx
 * test/integration/limits/probe-server.ts`, configured by the environment like `npm start`. Prints
 * `LISTENING <url>` once it serves; SIGTERM drains and exits.
 */
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../../src/config/index.ts';
import { createGateway } from '../../../src/gateway.ts';
import { createProbeFamily, PROBE_SURFACES } from './support.ts';

const gateway = await createGateway(loadConfig(), {
  families: [createProbeFamily({ calls: 0 })],
  surfaces: PROBE_SURFACES,
});
await gateway.app.listen({ host: '127.0.0.1', port: 0 });
const { port } = gateway.app.server.address() as AddressInfo;
process.stdout.write(`LISTENING http://127.0.0.1:${port}\n`);
process.once('SIGTERM', () => {
  gateway.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
