import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getWithToken, startGateway, type TestGateway } from '../../helpers/gateway.ts';

const WHOAMI = '/gatehouse/v1/whoami';

describe('[INV-3] argon2id key hashing mode', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startGateway({ env: { GATEHOUSE_KEY_HASHING: 'argon2id' } });
  });
  afterAll(() => gw?.dispose());

  const whoami = (key: string) => getWithToken(gw.baseUrl, WHOAMI, key);

  it('stores an Argon2id hash, authenticates the key (again from the verified-key cache) and refuses a near miss', async () => {
    const identity = await gw.createIdentity();
    const row = await gw.gateway.store.read
      .selectFrom('virtual_keys')
      .select(['hash', 'hash_mode'])
      .where('id', '=', identity.record.id)
      .executeTakeFirstOrThrow();
    expect(row.hash_mode).toBe('argon2id');
    expect(row.hash.startsWith('$argon2id$')).toBe(true);
    expect(row.hash).not.toContain(identity.key);
    expect((await whoami(identity.key)).status).toBe(200);
    expect((await whoami(identity.key)).status).toBe(200);
    const last = identity.key.at(-1) === 'a' ? 'b' : 'a';
    expect(await whoami(`${identity.key.slice(0, -1)}${last}`)).toEqual({ status: 401, code: 'invalid_api_key' });
  });

  it('refuses a revoked argon2id key even after it was cached as verified', async () => {
    const identity = await gw.createIdentity();
    expect((await whoami(identity.key)).status).toBe(200);
    await gw.gateway.identity.revokeKey(identity.record.id);
    await gw.gateway.snapshot.refresh();
    expect(await whoami(identity.key)).toEqual({ status: 401, code: 'key_revoked' });
  });
});
