/**
 * The store repositories as one suite, run against every dialect (`sqlite.test.ts`, `postgres.test.ts`).
 * Tests share one store and use fresh names, so they never see each other's rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStoredChains } from '../../../src/audit/index.ts';
import { type AuditEventDraft, ChainSealer } from '../../../src/domain/audit/index.ts';
import { uuidv7 } from '../../../src/domain/ids.ts';
import {
  auditRepository,
  ConflictError,
  currentRevision,
  keysRepository,
  type NewKey,
  NotFoundError,
  type Store,
  secretsRepository,
  tenantsRepository,
} from '../../../src/store/index.ts';
import { migrationProvider } from '../../../src/store/migrations/index.ts';
import { uniqueName } from '../../helpers/gateway.ts';

export interface StoreHarness {
  open(): Promise<{ store: Store; dispose(): Promise<void> }>;
}

function newKey(tenantId: string, teamId: string, overrides: Partial<NewKey> = {}): NewKey {
  const id = uuidv7();
  return {
    id,
    tenantId,
    teamId,
    name: uniqueName('key'),
    prefix: `gh_${id.slice(-8)}`,
    hash: `hash-${id}`,
    hashMode: 'hmac',
    settings: { models: ['m'] },
    createdAt: Date.now(),
    expiresAt: null,
    ...overrides,
  };
}

function draft(status = 200, surface = 'identity.whoami'): AuditEventDraft {
  const now = Date.now();
  return {
    id: uuidv7(now),
    ts: new Date(now).toISOString(),
    request_id: uuidv7(now),
    region: 'local',
    principal: null,
    surface,
    method: 'GET',
    path: '/gatehouse/v1/whoami',
    status,
    outcome: status < 400 ? 'success' : 'client_error',
    latency_ms: 1.5,
    authz: null,
    upstream: null,
    usage: null,
    error_code: null,
    meta: {},
  };
}

export function describeStoreContract(label: string, harness: StoreHarness): void {
  describe(`store repositories (${label})`, () => {
    let store: Store;
    let dispose: () => Promise<void>;

    beforeAll(async () => {
      ({ store, dispose } = await harness.open());
      await store.migrate();
    });
    afterAll(async () => {
      await store?.close();
      await dispose?.();
    });

    async function tenantAndTeam() {
      const tenant = await tenantsRepository.createTenant(store.write, uniqueName('tenant'));
      const team = await tenantsRepository.createTeam(store.write, tenant.id, uniqueName('team'));
      return { tenant, team };
    }

    it('applies migrations once; a second run is a no-op and the store reports ready', async () => {
      await store.migrate();
      const applied = await store.write
        .selectFrom('kysely_migration' as never)
        .select('name' as never)
        .execute();
      const expected = Object.keys(await migrationProvider.getMigrations()).sort();
      expect(applied.map((row) => (row as { name: string }).name).sort()).toEqual(expected);
      await expect(store.checkReady()).resolves.toBeUndefined();
    });

    it('creates tenants, refuses duplicate names, finds by id or name', async () => {
      const name = uniqueName('acme');
      const tenant = await tenantsRepository.createTenant(store.write, name);
      await expect(tenantsRepository.createTenant(store.write, name)).rejects.toBeInstanceOf(ConflictError);
      expect((await tenantsRepository.findTenant(store.read, tenant.id)).name).toBe(name);
      expect((await tenantsRepository.findTenant(store.read, name)).id).toBe(tenant.id);
      await expect(tenantsRepository.findTenant(store.read, 'no-such-tenant')).rejects.toBeInstanceOf(NotFoundError);
      await expect(tenantsRepository.findTenant(store.read, uuidv7())).rejects.toBeInstanceOf(NotFoundError);
    });

    it('scopes team names and lookups to their tenant', async () => {
      const { tenant, team } = await tenantAndTeam();
      const other = await tenantsRepository.createTenant(store.write, uniqueName('other'));
      await expect(tenantsRepository.createTeam(store.write, tenant.id, team.name)).rejects.toMatchObject({
        name: 'ConflictError',
        entity: 'team',
      });
      const twin = await tenantsRepository.createTeam(store.write, other.id, team.name);
      expect(twin.tenantId).toBe(other.id);
      expect((await tenantsRepository.findTeam(store.read, tenant.id, team.name)).id).toBe(team.id);
      expect((await tenantsRepository.findTeam(store.read, tenant.id, team.id)).name).toBe(team.name);
      await expect(tenantsRepository.findTeam(store.read, other.id, team.id)).rejects.toBeInstanceOf(NotFoundError);
      expect((await tenantsRepository.listTeams(store.read, tenant.id)).map((t) => t.id)).toEqual([team.id]);
    });

    it('takes one revision per change to a snapshot-visible row', async () => {
      const before = await currentRevision(store.read);
      const { tenant, team } = await tenantAndTeam();
      expect(await currentRevision(store.read)).toBe(before + 2);
      const key = await keysRepository.insertKey(store.write, newKey(tenant.id, team.id));
      expect(key.rev).toBe(before + 3);
      const revoked = await keysRepository.revokeKey(store.write, key.id);
      expect(revoked.rev).toBe(before + 4);
      const changed = await keysRepository.listKeysChangedSince(store.read, before + 2);
      expect(changed.map((k) => [k.id, k.rev])).toEqual([[key.id, before + 4]]);
    });

    it('finds keys by id or prefix and refuses an ambiguous prefix', async () => {
      const { tenant, team } = await tenantAndTeam();
      const key = await keysRepository.insertKey(store.write, newKey(tenant.id, team.id));
      expect((await keysRepository.findKey(store.read, key.id)).id).toBe(key.id);
      expect((await keysRepository.findKey(store.read, key.prefix)).id).toBe(key.id);
      expect(key.settings).toEqual({ models: ['m'] });
      await keysRepository.insertKey(store.write, newKey(tenant.id, team.id, { prefix: key.prefix }));
      await expect(keysRepository.findKey(store.read, key.prefix)).rejects.toThrow(/ambiguous/);
      await expect(keysRepository.findKey(store.read, 'gh_nothing1')).rejects.toBeInstanceOf(NotFoundError);
      expect(await keysRepository.listKeys(store.read, tenant.id)).toHaveLength(2);
      expect(await keysRepository.listKeys(store.read, tenant.id, uuidv7())).toHaveLength(0);
    });

    it('refuses a duplicate key hash', async () => {
      const { tenant, team } = await tenantAndTeam();
      const first = newKey(tenant.id, team.id);
      await keysRepository.insertKey(store.write, first);
      await expect(
        keysRepository.insertKey(store.write, newKey(tenant.id, team.id, { hash: first.hash })),
      ).rejects.toBeTruthy();
      expect(await keysRepository.listKeys(store.read, tenant.id)).toHaveLength(1);
    });

    it('revokes keys; revoking an unknown id is not found', async () => {
      const { tenant, team } = await tenantAndTeam();
      const key = await keysRepository.insertKey(store.write, newKey(tenant.id, team.id));
      const revoked = await keysRepository.revokeKey(store.write, key.id, 1234);
      expect(revoked.revokedAt).toBe(1234);
      await expect(keysRepository.revokeKey(store.write, uuidv7())).rejects.toBeInstanceOf(NotFoundError);
    });

    it('rotates a key with a grace period, or revokes the old one at once without', async () => {
      const { tenant, team } = await tenantAndTeam();
      const old = await keysRepository.insertKey(store.write, newKey(tenant.id, team.id));
      const successor = newKey(tenant.id, team.id);
      const graceUntil = successor.createdAt + 3_600_000;
      const rotated = await keysRepository.rotateKey(store.write, old.id, successor, graceUntil);
      expect(rotated.next.id).toBe(successor.id);
      expect(rotated.old).toMatchObject({ rotatedTo: successor.id, expiresAt: graceUntil, revokedAt: null });
      expect(rotated.old.rev).toBe(rotated.next.rev);

      const third = newKey(tenant.id, team.id);
      const now = await keysRepository.rotateKey(store.write, successor.id, third, third.createdAt);
      expect(now.old.revokedAt).toBe(third.createdAt);
      await expect(
        keysRepository.rotateKey(store.write, successor.id, newKey(tenant.id, team.id), Date.now()),
      ).rejects.toThrow(/revoked/);
      expect(await keysRepository.listKeys(store.read, tenant.id)).toHaveLength(3);
    });

    it('puts, replaces, lists and deletes secrets; the id stays fixed across versions', async () => {
      const owner = `tenant:${uuidv7()}`;
      const seal = (value: string) => (id: string) => ({ envelope: JSON.stringify({ id, value }), kekId: 'v1' });
      const first = await secretsRepository.putSecret(store.write, owner, 'openai', seal('a'));
      const second = await secretsRepository.putSecret(store.write, owner, 'openai', seal('b'));
      expect(second).toMatchObject({ id: first.id, version: 2, kekId: 'v1' });
      expect(second).not.toHaveProperty('envelope');
      const row = await secretsRepository.getSecret(store.read, owner, 'openai');
      expect(JSON.parse(row?.envelope ?? '{}')).toEqual({ id: first.id, value: 'b' });
      expect(await secretsRepository.getSecret(store.read, owner, 'nope')).toBeNull();
      expect((await secretsRepository.listSecrets(store.read, owner)).map((s) => s.name)).toEqual(['openai']);
      expect(await secretsRepository.deleteSecret(store.write, owner, 'openai')).toBe(true);
      expect(await secretsRepository.deleteSecret(store.write, owner, 'openai')).toBe(false);
    });

    it('swaps an envelope only if it still holds the one that was read (compare-and-set)', async () => {
      const owner = `tenant:${uuidv7()}`;
      await secretsRepository.putSecret(store.write, owner, 's', () => ({ envelope: 'E1', kekId: 'v1' }));
      const read = await secretsRepository.getSecret(store.read, owner, 's');
      if (!read) throw new Error('secret missing');
      await secretsRepository.putSecret(store.write, owner, 's', () => ({ envelope: 'E2', kekId: 'v1' }));
      const stale = await secretsRepository.replaceEnvelope(store.write, read.id, 'E1', { envelope: 'X', kekId: 'v2' });
      expect(stale).toBe(false);
      const fresh = await secretsRepository.replaceEnvelope(store.write, read.id, 'E2', {
        envelope: 'E3',
        kekId: 'v2',
      });
      expect(fresh).toBe(true);
      expect(await secretsRepository.getSecret(store.read, owner, 's')).toMatchObject({ envelope: 'E3', kekId: 'v2' });
      const pending = await secretsRepository.listSecretsNotUnderKek(store.read, 'v2', null, 1000);
      expect(pending.some((secret) => secret.id === read.id)).toBe(false);
    });

    it('inserts a secret only when absent, and key checks only once', async () => {
      const owner = `tenant:${uuidv7()}`;
      await secretsRepository.insertSecretIfAbsent(store.write, owner, 'p', () => ({ envelope: 'first', kekId: 'v1' }));
      await secretsRepository.insertSecretIfAbsent(store.write, owner, 'p', () => ({
        envelope: 'second',
        kekId: 'v1',
      }));
      expect((await secretsRepository.getSecret(store.read, owner, 'p'))?.envelope).toBe('first');
      const kekId = uniqueName('kek');
      await secretsRepository.insertKeyCheck(store.write, kekId, 'kcv-1');
      await secretsRepository.insertKeyCheck(store.write, kekId, 'kcv-2');
      expect((await secretsRepository.getKeyChecks(store.read)).get(kekId)).toBe('kcv-1');
    });

    it('appends audit batches, moves the chain head, and reads the chain back in order', async () => {
      const chainId = `test-${uuidv7()}`;
      const sealer = new ChainSealer(chainId);
      const chain = { chainId, region: 'local', startedAt: Date.now() };
      const first = [draft(200), draft(401), draft(404)].map((d) => sealer.seal(d));
      await auditRepository.appendAuditBatch(store, chain, first);
      const second = [draft(200), draft(500)].map((d) => sealer.seal(d));
      await auditRepository.appendAuditBatch(store, chain, second);
      const head = (await auditRepository.listChainHeads(store.read)).find((h) => h.chainId === chainId);
      expect(head).toMatchObject({ headSeq: 5, headHash: second[1]?.hash });
      const seqs: number[] = [];
      for await (const { row } of auditRepository.readChain(store.read, chainId, 2)) seqs.push(row.seq);
      expect(seqs).toEqual([1, 2, 3, 4, 5]);
      const chains = await verifyStoredChains(store);
      expect(chains.find((c) => c.chainId === chainId)).toMatchObject({ ok: true, count: 5 });
    });

    it('commits an audit batch all or nothing', async () => {
      const chainId = `test-${uuidv7()}`;
      const sealer = new ChainSealer(chainId);
      const chain = { chainId, region: 'local', startedAt: Date.now() };
      const batch = [draft(200), draft(200)].map((d) => sealer.seal(d));
      await auditRepository.appendAuditBatch(store, chain, batch);
      const duplicate = [sealer.seal(draft(200)), { ...(batch[0] as (typeof batch)[0]), id: uuidv7() }];
      await expect(auditRepository.appendAuditBatch(store, chain, duplicate)).rejects.toBeTruthy();
      const head = (await auditRepository.listChainHeads(store.read)).find((h) => h.chainId === chainId);
      expect(head?.headSeq).toBe(2);
      const rows = await store.read.selectFrom('audit_events').select('seq').where('chain_id', '=', chainId).execute();
      expect(rows).toHaveLength(2);
    });

    it('queries audit events by surface and outcome', async () => {
      const chainId = `test-${uuidv7()}`;
      const sealer = new ChainSealer(chainId);
      const surface = uniqueName('surface');
      const events = [draft(200, surface), draft(401, surface), draft(200, surface)].map((d) => sealer.seal(d));
      await auditRepository.appendAuditBatch(store, { chainId, region: 'local', startedAt: 1 }, events);
      const { events: all } = await auditRepository.queryAuditEvents(store.read, { surface, limit: 10, order: 'asc' });
      expect(all).toHaveLength(3);
      const { events: failures } = await auditRepository.queryAuditEvents(store.read, {
        surface,
        outcome: 'client_error',
        limit: 10,
        order: 'asc',
      });
      expect(failures).toEqual([events[1]]);
    });
  });
}
