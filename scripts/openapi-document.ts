/**
 * The OpenAPI document exactly as a gateway serves it at `/openapi.json`, from a throwaway gateway on a temporary
 * SQLite store (nothing listens: the document is read through `inject`). Shared by the client generator and its
 * drift test, so both see the routes as registered, not a copy.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
      await gateway.app.ready();
      const response = await gateway.app.inject({ method: 'GET', url: '/openapi.json' });
      return JSON.parse(response.body) as Record<string, unknown>;
    } finally {
      await gateway.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
