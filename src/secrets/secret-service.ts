import { randomBytes } from 'node:crypto';
import {
  computeKeyCheckValue,
  type KekEntry,
  type KekProvider,
  parseEnvelope,
  verifyKeyCheckValue,
} from '../domain/secrets/index.ts';
import { type SecretMetadata, type Store, secretsRepository } from '../store/index.ts';

/** Owner of gateway-internal secrets such as the key-hashing pepper. */
export const SYSTEM_OWNER = 'system';
const PEPPER_NAME = 'key-pepper';

/** The store refuses to start with a master key that does not match what it recorded, or without a needed KEK. */
export class MasterKeyMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyMismatchError';
  }
}

export interface RotationReport {
  targetKekId: string;
  rewrapped: number;
  skipped: number;
  remaining: number;
}

export interface SecretService {
  put(owner: string, name: string, value: Buffer | string): Promise<SecretMetadata>;
  get(owner: string, name: string): Promise<Buffer | null>;
  list(owner?: string): Promise<SecretMetadata[]>;
  delete(owner: string, name: string): Promise<boolean>;
  /**
   * Re-wraps every envelope not yet under the current KEK, a page at a time with compare-and-set writes: safe
   * beside a serving gateway, and a rerun after an interruption continues where it stopped.
   */
  rotate(options?: { batchSize?: number; onProgress?: (done: number) => void }): Promise<RotationReport>;
  /** The pepper keyed into every virtual-key hash, created on first use. */
  loadPepper(): Promise<Buffer>;
  /**
   * A gateway-internal secret, created with `create()` on first use. Several instances may start at once: whichever
   * stored it first wins, and every caller gets that one.
   */
  loadOrCreate(owner: string, name: string, create: () => Buffer): Promise<Buffer>;
}

/**
 * Checks the configured KEKs against the key-check values the store recorded and records new ones. Refuses
 * (throws) when a key does not match its recorded check value, or when stored envelopes are wrapped under a KEK
 * that is not configured — starting anyway would make those secrets unreadable, or worse, tempt an operator to
 * overwrite them.
 */
export async function verifyMasterKeys(store: Store, keys: KekEntry[]): Promise<void> {
  const recorded = await secretsRepository.getKeyChecks(store.write);
  for (const entry of keys) {
    const kcv = recorded.get(entry.id);
    if (kcv === undefined) continue;
    if (!verifyKeyCheckValue(entry.key, kcv)) {
      throw new MasterKeyMismatchError(
        `the master key configured for kek id "${entry.id}" does not match the key this store was written with; refusing to start`,
      );
    }
  }
  const configured = new Set(keys.map((entry) => entry.id));
  for (const kekId of await secretsRepository.listEnvelopeKekIds(store.write)) {
    if (!configured.has(kekId)) {
      throw new MasterKeyMismatchError(
        `secrets are wrapped under kek id "${kekId}" but no key for it is configured (set GATEHOUSE_PREVIOUS_MASTER_KEYS)`,
      );
    }
  }
  for (const entry of keys) {
    if (!recorded.has(entry.id))
      await secretsRepository.insertKeyCheck(store.write, entry.id, computeKeyCheckValue(entry.key));
  }
}

export function createSecretService(store: Store, kek: KekProvider): SecretService {
  function seal(owner: string, value: Buffer | string) {
    return (id: string) => ({ envelope: JSON.stringify(kek.encrypt(value, { owner, id })), kekId: kek.currentKekId });
  }

  async function get(owner: string, name: string): Promise<Buffer | null> {
    const row = await secretsRepository.getSecret(store.read, owner, name);
    if (!row) return null;
    return kek.decrypt(parseEnvelope(row.envelope), { owner, id: row.id });
  }

  return {
    put: (owner, name, value) => secretsRepository.putSecret(store.write, owner, name, seal(owner, value)),
    get,
    list: (owner) => secretsRepository.listSecrets(store.read, owner),
    delete: (owner, name) => secretsRepository.deleteSecret(store.write, owner, name),

    async rotate(options = {}) {
      const batchSize = options.batchSize ?? 200;
      const target = kek.currentKekId;
      let rewrapped = 0;
      let skipped = 0;
      let after: string | null = null;
      for (;;) {
        const page = await secretsRepository.listSecretsNotUnderKek(store.write, target, after, batchSize);
        for (const row of page) {
          const next = kek.rewrap(parseEnvelope(row.envelope), { owner: row.owner, id: row.id });
          const swapped = await secretsRepository.replaceEnvelope(store.write, row.id, row.envelope, {
            envelope: JSON.stringify(next),
            kekId: next.kek_id,
          });
          if (swapped) rewrapped++;
          else skipped++;
        }
        options.onProgress?.(rewrapped);
        if (page.length < batchSize) break;
        after = page.at(-1)?.id ?? null;
      }
      const remaining = (await secretsRepository.listSecretsNotUnderKek(store.write, target, null, 1_000_000)).length;
      return { targetKekId: target, rewrapped, skipped, remaining };
    },

    loadPepper: () => loadOrCreate(SYSTEM_OWNER, PEPPER_NAME, () => randomBytes(32)),
    loadOrCreate,
  };

  async function loadOrCreate(owner: string, name: string, create: () => Buffer): Promise<Buffer> {
    const existing = await get(owner, name);
    if (existing) return existing;
    await secretsRepository.insertSecretIfAbsent(store.write, owner, name, seal(owner, create()));
    // Another instance may have won the race to create it: read back whichever value was stored.
    return (await get(owner, name)) as Buffer;
  }
}
