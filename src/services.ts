/**
 * @module
 * The services the server and the CLI share. Apart from `gateway.ts` so that a CLI command loads no HTTP framework.
 */
import type { GatehouseConfig } from './config/index.ts';
import { createLocalKekProvider } from './domain/secrets/index.ts';
import { AdminService, createIdentityService } from './identity/index.ts';
import { createSecretService, verifyMasterKeys } from './secrets/index.ts';
import { assertCurrent, openStore } from './store/index.ts';

/** Opens the store, checks the master keys, and wires the services shared by the server and the CLI. */
export async function openServices(config: GatehouseConfig) {
  const store = openStore({
    dataDir: config.dataDir,
    writeUrl: config.databaseWriteUrl,
    readUrl: config.databaseReadUrl,
    sqliteSynchronous: config.sqliteSynchronous,
    regionId: config.regionId,
    replica: { maxLagMs: config.databaseReadMaxLagMs },
  });
  try {
    if (config.migrate === 'auto') await store.migrate();
    else assertCurrent(await store.schemaStatus());
    const { current, previous } = config.masterKeys;
    await verifyMasterKeys(store, [current, ...previous]);
    const kek = createLocalKekProvider({ current, previous });
    const secrets = createSecretService(store, kek);
    const pepper = await secrets.loadPepper();
    const identity = createIdentityService({ store, pepper, hashing: config.keyHashing });
    const admin = new AdminService(store, pepper);
    return { store, kek, secrets, pepper, identity, admin };
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
}
