import { uuidv7 } from '../domain/ids.ts';
import { generateVirtualKey } from '../domain/keys/index.ts';
import {
  type KeyRecord,
  keysRepository,
  NotFoundError,
  type Store,
  type TeamRecord,
  type TenantRecord,
  tenantsRepository,
} from '../store/index.ts';
import { ValidationError, validateName } from './errors.ts';
import { hashKeyForStorage, type KeyHashing } from './key-hasher.ts';

export interface CreateKeyInput {
  tenant: string;
  team: string;
  name: string;
  /** Lifetime from now in milliseconds; null for a key that does not expire. */
  expiresInMs?: number | null;
  settings?: Record<string, unknown>;
}

export interface IssuedKey {
  /** The full key: returned once, never stored. */
  key: string;
  record: KeyRecord;
}

export interface IdentityService {
  createTenant(name: string): Promise<TenantRecord>;
  findTenant(reference: string): Promise<TenantRecord>;
  listTenants(): Promise<TenantRecord[]>;
  createTeam(tenant: string, name: string): Promise<TeamRecord>;
  listTeams(tenant: string): Promise<TeamRecord[]>;
  createKey(input: CreateKeyInput): Promise<IssuedKey>;
  listKeys(tenant: string, team?: string): Promise<KeyRecord[]>;
  findKey(reference: string): Promise<KeyRecord>;
  revokeKey(reference: string): Promise<KeyRecord>;
  /** Issues a successor with the same team and settings; the old key works only until `graceMs` from now. */
  rotateKey(reference: string, graceMs: number): Promise<IssuedKey & { old: KeyRecord }>;
}

export interface IdentityServiceOptions {
  store: Store;
  pepper: Buffer;
  hashing: KeyHashing;
}

function validateLifetime(expiresInMs: number | null | undefined): number | null {
  if (expiresInMs === undefined || expiresInMs === null) return null;
  if (!Number.isSafeInteger(expiresInMs) || expiresInMs <= 0)
    throw new ValidationError('expires', 'must be a positive duration');
  return expiresInMs;
}

export function createIdentityService({ store, pepper, hashing }: IdentityServiceOptions): IdentityService {
  const db = store.write;

  async function issue(
    base: Omit<keysRepository.NewKey, 'id' | 'prefix' | 'hash' | 'hashMode' | 'createdAt'>,
    now: number,
  ) {
    const { key, prefix } = generateVirtualKey();
    const record: keysRepository.NewKey = {
      ...base,
      id: uuidv7(now),
      prefix,
      hash: await hashKeyForStorage(hashing, pepper, key),
      hashMode: hashing,
      createdAt: now,
    };
    return { key, record };
  }

  return {
    createTenant: (name) => tenantsRepository.createTenant(db, validateName('name', name)),
    findTenant: (reference) => tenantsRepository.findTenant(store.read, reference),
    listTenants: () => tenantsRepository.listTenants(store.read),

    async createTeam(tenant, name) {
      const owner = await tenantsRepository.findTenant(db, tenant);
      return tenantsRepository.createTeam(db, owner.id, validateName('name', name));
    },

    async listTeams(tenant) {
      const owner = await tenantsRepository.findTenant(store.read, tenant);
      return tenantsRepository.listTeams(store.read, owner.id);
    },

    async createKey(input) {
      const name = validateName('name', input.name);
      const lifetime = validateLifetime(input.expiresInMs);
      const tenant = await tenantsRepository.findTenant(db, input.tenant);
      // The team is looked up within the tenant: a team id of another tenant is "not found", never a cross-tenant key.
      const team = await tenantsRepository.findTeam(db, tenant.id, input.team);
      const now = Date.now();
      const issued = await issue(
        {
          tenantId: tenant.id,
          teamId: team.id,
          name,
          settings: input.settings ?? {},
          expiresAt: lifetime === null ? null : now + lifetime,
        },
        now,
      );
      return { key: issued.key, record: await keysRepository.insertKey(db, issued.record) };
    },

    async listKeys(tenant, team) {
      const owner = await tenantsRepository.findTenant(store.read, tenant);
      const teamId = team ? (await tenantsRepository.findTeam(store.read, owner.id, team)).id : undefined;
      return keysRepository.listKeys(store.read, owner.id, teamId);
    },

    findKey: (reference) => keysRepository.findKey(db, reference),

    async revokeKey(reference) {
      const key = await keysRepository.findKey(db, reference);
      if (key.revokedAt !== null) return key;
      return keysRepository.revokeKey(db, key.id);
    },

    async rotateKey(reference, graceMs) {
      if (!Number.isSafeInteger(graceMs) || graceMs < 0)
        throw new ValidationError('grace', 'must be zero or a positive duration');
      const current = await keysRepository.findKey(db, reference);
      if (current.revokedAt !== null) throw new NotFoundError('key', reference, 'is revoked');
      const now = Date.now();
      const issued = await issue(
        {
          tenantId: current.tenantId,
          teamId: current.teamId,
          name: current.name,
          settings: current.settings,
          // The successor gets the same lifespan the old key was issued with, counted from now.
          expiresAt: current.expiresAt === null ? null : now + (current.expiresAt - current.createdAt),
        },
        now,
      );
      const { old, next } = await keysRepository.rotateKey(db, current.id, issued.record, now + graceMs);
      return { key: issued.key, record: next, old };
    },
  };
}
