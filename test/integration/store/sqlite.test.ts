import { rmSync } from 'node:fs';
import { openStore } from '../../../src/store/index.ts';
import { createTempDir } from '../../helpers/gateway.ts';
import { describeStoreContract } from './store.case.ts';

describeStoreContract('sqlite', {
  async open() {
    const dataDir = createTempDir();
    return {
      store: openStore({ dataDir, writeUrl: null }),
      dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  },
});
