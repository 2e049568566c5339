/**
 * @module
 * The vault's control plane, shared by the admin API and the CLI: define and remove services, store credentials
 * (write-only), and grant or revoke services per key. Every write stamps a store revision, so all instances apply
 * it within one snapshot refresh.
 */
import { ValidationError } from '../identity/index.ts';
import {
  ConflictError,
  keysRepository,
  NotFoundError,
  type Store,
  tenantsRepository,
  vaultRepository,
} from '../store/index.ts';
import {
  CredentialInputError,
  SERVICE_SCOPE,
  scopeForKey,
  scopeForTenant,
  type VaultCredentials,
} from './credentials.ts';
import type { OAuthTokens } from './oauth2.ts';
import { compileService, describeService, VaultDefinitionError, type VaultService } from './service-definition.ts';
import type { VaultSnapshot } from './vault-snapshot.ts';

export interface CredentialTarget {
  /** Tenant name or id. */
  tenant?: string | null;
  /** Key id or prefix. */
  key?: string | null;
}

export interface VaultAdminDeps {
  store: Store;
  snapshot: VaultSnapshot;
  credentials: VaultCredentials;
  tokens: OAuthTokens;
}

export class VaultAdmin {
  readonly #deps: VaultAdminDeps;

  constructor(deps: VaultAdminDeps) {
    this.#deps = deps;
  }

  requireService(id: string): VaultService {
    const service = this.#deps.snapshot.getService(id);
    if (!service) throw new NotFoundError('vault service', id);
    return service;
  }

  describe(service: VaultService) {
    const health = new Map(
      this.#deps.tokens
        .health()
        .filter((entry) => entry.service === service.id)
        .map((entry) => [entry.scope, entry]),
    );
    const credentials = this.#deps.snapshot.listCredentials(service.id).map((credential) => ({
      scope: credential.scope,
      version: credential.version,
      updated_at: new Date(credential.updatedAt).toISOString(),
      healthy: health.get(credential.scope)?.healthy ?? null,
      unhealthy_reason: health.get(credential.scope)?.reason ?? null,
    }));
    return { ...describeService(service), credentials };
  }

  list() {
    return this.#deps.snapshot.listServices().map((service) => this.describe(service));
  }

  async define(input: unknown): Promise<VaultService> {
    let service: VaultService;
    try {
      service = compileService(input, 'admin');
    } catch (error) {
      if (error instanceof VaultDefinitionError) throw new ValidationError(error.field, error.reason);
      throw error;
    }
    if (this.#deps.snapshot.isConfigService(service.id)) throw new ConflictError('vault service', 'id', service.id);
    await vaultRepository.insertService(this.#deps.store.write, service.id, service.spec);
    await this.#deps.snapshot.refresh();
    return service;
  }

  async remove(id: string): Promise<void> {
    if (this.#deps.snapshot.isConfigService(id)) {
      throw new ValidationError('service', `"${id}" is defined in the config file; remove it there`);
    }
    await vaultRepository.deleteService(this.#deps.store.write, id);
    await this.#deps.snapshot.refresh();
  }

  /** `service`, `tenant:<id>` or `key:<id>`, after checking that the tenant or key exists. */
  async resolveScope(target: CredentialTarget): Promise<string> {
    if (target.tenant && target.key) throw new ValidationError('scope', 'give a tenant or a key, not both');
    if (target.key) return scopeForKey((await keysRepository.findKey(this.#deps.store.read, target.key)).id);
    if (target.tenant) {
      return scopeForTenant((await tenantsRepository.findTenant(this.#deps.store.read, target.tenant)).id);
    }
    return SERVICE_SCOPE;
  }

  async setCredential(serviceId: string, target: CredentialTarget, secret: string) {
    const service = this.requireService(serviceId);
    const scope = await this.resolveScope(target);
    try {
      const stored = await this.#deps.credentials.set(service, scope, secret);
      await this.#deps.snapshot.refresh();
      return { service: service.id, scope, version: stored.version, credential_id: stored.secretId };
    } catch (error) {
      if (error instanceof CredentialInputError) throw new ValidationError('secret', error.message);
      throw error;
    }
  }

  async removeCredential(serviceId: string, target: CredentialTarget) {
    const service = this.requireService(serviceId);
    const scope = await this.resolveScope(target);
    if (!(await this.#deps.credentials.remove(service.id, scope))) {
      throw new NotFoundError('vault credential', `${service.id}/${scope}`);
    }
    await this.#deps.snapshot.refresh();
    return { service: service.id, scope };
  }

  async grants(keyReference: string) {
    const key = await keysRepository.findKey(this.#deps.store.read, keyReference);
    await this.#deps.snapshot.refresh();
    return { key_id: key.id, services: this.#deps.snapshot.grantedServices(key.id) };
  }

  async grant(keyReference: string, services: readonly string[]) {
    const key = await keysRepository.findKey(this.#deps.store.read, keyReference);
    for (const id of services) this.requireService(id);
    await vaultRepository.grantServices(this.#deps.store.write, key.id, [...new Set(services)]);
    await this.#deps.snapshot.refresh();
    return { key_id: key.id, services: this.#deps.snapshot.grantedServices(key.id) };
  }

  /** Revokes from the key and every key it was rotated from, so an inherited grant cannot survive. */
  async revoke(keyReference: string, serviceId: string) {
    const key = await keysRepository.findKey(this.#deps.store.read, keyReference);
    await this.#deps.snapshot.refresh();
    const lineage = this.#deps.snapshot.lineage(key.id);
    if (!(await vaultRepository.revokeService(this.#deps.store.write, lineage, serviceId))) {
      throw new NotFoundError('vault grant', `${key.id}/${serviceId}`);
    }
    await this.#deps.snapshot.refresh();
    return { key_id: key.id, services: this.#deps.snapshot.grantedServices(key.id) };
  }
}
