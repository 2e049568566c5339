/**
 * The OpenAPI document exactly as a gateway serves it at `/openapi.json`, from a throwaway gateway on a temporary
 * SQLite store (listening on a free loopback port). Shared by the client generator and its
 * drift test, so both see the routes as registered, not a copy.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { loadConfig } from '../src/config/index.ts';
import { createGateway } from '../src/gateway.ts';

export async function servedOpenApiDocument(): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-openapi-'));
  try {
    const config = loadConfig({
      env: {
        GATEHOUSE_DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        GATEHOUSE_MASTER_KEY: randomBytes(32).toString('hex'),
        PORT: '0',
      },
    });
    const gateway = await createGateway(config);
    try {
      // Over a real socket: a response's last bytes wait for its audit commit, which `inject` does not model.
      await gateway.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = gateway.app.server.address() as AddressInfo;
      const response = await request(`http://127.0.0.1:${port}/openapi.json`);
      return (await response.body.json()) as Record<string, unknown>;
    } finally {
      await gateway.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
