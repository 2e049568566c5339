import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import {
  type Database,
  RevisionSnapshot,
  type RevisionSnapshotOptions,
  type VaultChanges,
  vaultRepository,
} from '../store/index.ts';
import { compileService, type VaultService } from './service-definition.ts';

export interface CredentialPointer {
  secretId: string;
  version: number;
  updatedAt: number;
}

export interface VaultSnapshotOptions extends Omit<RevisionSnapshotOptions, 'onRefreshError'> {
  /** Services from the config file; they win over (and cannot be shadowed by) admin-defined ones. */
  configServices: readonly VaultService[];
  logger?: Logger;
  /** Told when a credential changed or was removed, so decrypted copies and tokens are dropped. */
  onCredentialChange?: (service: string, scope: string) => void;
}

const MAX_LINEAGE = 32;

/**
 * The vault's hot-path view: services, per-key grants and which credentials exist, as pre-indexed maps refreshed
 * from the store's revision counter (the same mechanism as the key snapshot), so a proxied request reads no row and
 * a grant or revocation reaches every instance within one refresh interval.
 */
export class VaultSnapshot extends RevisionSnapshot {
  readonly #options: VaultSnapshotOptions;
  readonly #configServices: Map<string, VaultService>;
  readonly #adminServices = new Map<string, VaultService>();
  readonly #grants = new Map<string, Set<string>>();
  readonly #credentials = new Map<string, CredentialPointer>();
  /** successor key id → predecessor key id. */
  readonly #predecessor = new Map<string, string>();

  constructor(options: VaultSnapshotOptions) {
    super({
      ...options,
      onRefreshError: (error) => options.logger?.error({ err: error }, 'vault snapshot refresh failed'),
    });
    this.#options = options;
    this.#configServices = new Map(options.configServices.map((service) => [service.id, service]));
  }

  protected async apply(db: Kysely<Database>, sinceRev: number): Promise<void> {
    this.#apply(await vaultRepository.listVaultChangesSince(db, sinceRev));
  }

  #apply(changes: VaultChanges): void {
    for (const row of changes.services) {
      if (row.deleted || this.#configServices.has(row.id)) {
        this.#adminServices.delete(row.id);
        continue;
      }
      try {
        this.#adminServices.set(row.id, compileService(row.definition, 'admin'));
      } catch (error) {
        // A row written by an older or newer version that this one cannot read: skip it rather than stop refreshing.
        this.#adminServices.delete(row.id);
        this.#options.logger?.error({ err: error, service: row.id }, 'stored vault service definition is invalid');
      }
    }
    for (const row of changes.grants) {
      const set = this.#grants.get(row.keyId) ?? new Set<string>();
      if (row.active) set.add(row.service);
      else set.delete(row.service);
      if (set.size > 0) this.#grants.set(row.keyId, set);
      else this.#grants.delete(row.keyId);
    }
    for (const row of changes.credentials) {
      const id = credentialKey(row.service, row.scope);
      const previous = this.#credentials.get(id);
      if (row.deleted) this.#credentials.delete(id);
      else this.#credentials.set(id, { secretId: row.secretId, version: row.version, updatedAt: row.updatedAt });
      if (previous) this.#options.onCredentialChange?.(row.service, row.scope);
    }
    for (const row of changes.lineage) this.#predecessor.set(row.rotatedTo, row.id);
  }

  getService(id: string): VaultService | undefined {
    return this.#configServices.get(id) ?? this.#adminServices.get(id);
  }

  listServices(): VaultService[] {
    return [...this.#configServices.values(), ...this.#adminServices.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  isConfigService(id: string): boolean {
    return this.#configServices.has(id);
  }

  /** The key and the keys it replaced by rotation, newest first: grants follow a key to its successor. */
  lineage(keyId: string): string[] {
    const ids = [keyId];
    let current = this.#predecessor.get(keyId);
    while (current !== undefined && ids.length < MAX_LINEAGE && !ids.includes(current)) {
      ids.push(current);
      current = this.#predecessor.get(current);
    }
    return ids;
  }

  /** Deny by default: true only when this key (or a key it was rotated from) holds an active grant. */
  isGranted(keyId: string, service: string): boolean {
    return this.lineage(keyId).some((id) => this.#grants.get(id)?.has(service) === true);
  }

  grantedServices(keyId: string): string[] {
    const out = new Set<string>();
    for (const id of this.lineage(keyId)) for (const service of this.#grants.get(id) ?? []) out.add(service);
    return [...out].sort();
  }

  getCredential(service: string, scope: string): CredentialPointer | undefined {
    return this.#credentials.get(credentialKey(service, scope));
  }

  listCredentials(service: string): Array<{ scope: string } & CredentialPointer> {
    const prefix = `${service}\0`;
    return [...this.#credentials.entries()]
      .filter(([id]) => id.startsWith(prefix))
      .map(([id, pointer]) => ({ scope: id.slice(prefix.length), ...pointer }));
  }
}

export function credentialKey(service: string, scope: string): string {
  return `${service}\0${scope}`;
}
