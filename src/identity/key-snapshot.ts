import type { Kysely } from 'kysely';
import { digestsEqual, displayPrefix, hashVirtualKey, isVirtualKeyShape } from '../domain/keys/index.ts';
import type { Principal } from '../domain/principal.ts';
import {
  type Database,
  type KeyRecord,
  keysRepository,
  RevisionSnapshot,
  type RevisionSnapshotOptions,
} from '../store/index.ts';
import { verifyArgon2Key } from './key-hasher.ts';

export type KeyAuthFailure = 'invalid_api_key' | 'key_revoked' | 'key_expired' | 'identity_unavailable';

export type KeyAuthResult = { ok: true; principal: Principal } | { ok: false; reason: KeyAuthFailure };

interface SnapshotEntry {
  record: KeyRecord;
  principal: Principal;
}

export interface KeySnapshotOptions extends RevisionSnapshotOptions {
  pepper: Buffer;
}

function toPrincipal(record: KeyRecord): Principal {
  return {
    type: 'key',
    id: record.id,
    tenantId: record.tenantId,
    teamId: record.teamId,
    name: record.name,
    settings: record.settings,
    expiresAt: record.expiresAt,
  };
}

/**
 * The hot-path view of virtual keys: pre-indexed maps, refreshed incrementally from the store's revision counter,
 * so authenticating a request reads no store row.
 */
export class KeySnapshot extends RevisionSnapshot {
  readonly #pepper: Buffer;
  readonly #byHash = new Map<string, SnapshotEntry>();
  readonly #byId = new Map<string, SnapshotEntry>();
  /** argon2id keys, found by display prefix since their digests are salted. */
  readonly #argon2ByPrefix = new Map<string, SnapshotEntry[]>();
  /** HMAC of a key → key id, for argon2id keys already verified once. */
  readonly #verified = new Map<string, string>();

  constructor(options: KeySnapshotOptions) {
    super(options);
    this.#pepper = options.pepper;
  }

  get size(): number {
    return this.#byId.size;
  }

  protected async apply(db: Kysely<Database>, sinceRev: number): Promise<void> {
    for (const record of await keysRepository.listKeysChangedSince(db, sinceRev)) this.#apply(record);
  }

  #apply(record: KeyRecord): void {
    const previous = this.#byId.get(record.id);
    if (previous) this.#remove(previous);
    const entry = { record, principal: toPrincipal(record) };
    this.#byId.set(record.id, entry);
    if (record.hashMode === 'hmac') {
      this.#byHash.set(record.hash, entry);
    } else {
      const list = this.#argon2ByPrefix.get(record.prefix) ?? [];
      list.push(entry);
      this.#argon2ByPrefix.set(record.prefix, list);
    }
  }

  #remove(entry: SnapshotEntry): void {
    this.#byHash.delete(entry.record.hash);
    const list = this.#argon2ByPrefix.get(entry.record.prefix);
    if (list) {
      const rest = list.filter((candidate) => candidate.record.id !== entry.record.id);
      if (rest.length > 0) this.#argon2ByPrefix.set(entry.record.prefix, rest);
      else this.#argon2ByPrefix.delete(entry.record.prefix);
    }
  }

  /** Resolves a bearer token to a principal, or says why not. */
  async authenticate(token: string, now = Date.now()): Promise<KeyAuthResult> {
    if (!this.isFresh(now)) return { ok: false, reason: 'identity_unavailable' };
    if (!isVirtualKeyShape(token)) return { ok: false, reason: 'invalid_api_key' };
    const digest = hashVirtualKey(this.#pepper, token);
    let entry = this.#find(digest) ?? (await this.#findArgon2(token, digest));
    if (!entry) {
      // Not in the snapshot: maybe created since the last poll. One shared, rate-limited refresh, then look again.
      await this.refreshOnMiss().catch(() => {});
      entry = this.#find(digest) ?? (await this.#findArgon2(token, digest));
    }
    if (!entry) return { ok: false, reason: 'invalid_api_key' };
    const { record } = entry;
    if (record.revokedAt !== null && record.revokedAt <= now) return { ok: false, reason: 'key_revoked' };
    if (record.expiresAt !== null && record.expiresAt <= now) return { ok: false, reason: 'key_expired' };
    return { ok: true, principal: entry.principal };
  }

  #find(digest: string): SnapshotEntry | undefined {
    const entry = this.#byHash.get(digest);
    return entry && digestsEqual(entry.record.hash, digest) ? entry : undefined;
  }

  async #findArgon2(token: string, digest: string): Promise<SnapshotEntry | undefined> {
    if (this.#argon2ByPrefix.size === 0) return undefined;
    const cachedId = this.#verified.get(digest);
    if (cachedId) return this.#byId.get(cachedId);
    for (const candidate of this.#argon2ByPrefix.get(displayPrefix(token)) ?? []) {
      if (await verifyArgon2Key(candidate.record.hash, this.#pepper, token)) {
        this.#verified.set(digest, candidate.record.id);
        return candidate;
      }
    }
    return undefined;
  }

  getKey(id: string): KeyRecord | undefined {
    return this.#byId.get(id)?.record;
  }
}
