import { rmSync } from 'node:fs';
import { describe } from 'vitest';
import { openStore } from '../../../src/store/index.ts';
import { createTempDir } from '../../helpers/gateway.ts';
import { createTestDatabase, postgresAvailable } from '../../helpers/services.ts';
import { describeStoreContract } from './store.case.ts';

const ok = await postgresAvailable();

describe.skipIf(!ok)('postgres', () => {
  describeStoreContract('postgres', {
    async open() {
      const dataDir = createTempDir();
      const database = await createTestDatabase();
      return {
        store: openStore({ dataDir, writeUrl: database.url }),
        dispose: async () => {
          await database.drop();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  });
});
