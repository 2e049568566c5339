/**
 * @module
 * Vault credentials: parsed from write-only input, stored only as envelopes (`SecretService`, owner
 * `vault:<service>`, name = scope), resolved per request from the most specific scope that has one (the key, then
 * its tenant, then the service), and decrypted once per version into memory at the injection point.
 */
import type { Principal } from '../domain/principal.ts';
import type { SecretService } from '../secrets/index.ts';
import { type Store, vaultRepository } from '../store/index.ts';
import type { VaultService } from './service-definition.ts';
import type { VaultAuthSpec } from './service-schema.ts';
import { credentialKey, type VaultSnapshot } from './vault-snapshot.ts';

export type CredentialMaterial =
  | { kind: 'secret'; value: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'oauth2'; clientId: string; clientSecret: string | null; refreshToken: string | null };

export interface ResolvedCredential {
  service: string;
  scope: string;
  owner: string;
  secretId: string;
  version: number;
  material: CredentialMaterial;
}

/** Input that cannot be a credential for the service's auth scheme; the message never quotes the input. */
export class CredentialInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialInputError';
  }
}

/** A stored credential that cannot be decrypted or parsed: an operator problem, never shown to the agent. */
export class CredentialUnreadableError extends Error {
  constructor(service: string, scope: string, cause: unknown) {
    super(`vault credential ${service}/${scope} cannot be decrypted or parsed`, { cause });
    this.name = 'CredentialUnreadableError';
  }
}

const MAX_CREDENTIAL_BYTES = 16 * 1024;
// Visible ASCII and space: a CR or LF in an injected header value would split the upstream request (CWE-113).
const HEADER_SAFE = /^[\x20-\x7e]+$/;

export function ownerOf(serviceId: string): string {
  return `vault:${serviceId}`;
}

export function scopeForKey(keyId: string): string {
  return `key:${keyId}`;
}

export function scopeForTenant(tenantId: string): string {
  return `tenant:${tenantId}`;
}

export const SERVICE_SCOPE = 'service';

function requireSafe(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new CredentialInputError(`${field} is required`);
  if (!HEADER_SAFE.test(value)) throw new CredentialInputError(`${field} must be printable ASCII without line breaks`);
  return value;
}

function parseJsonObject(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CredentialInputError('the credential must be a JSON object for this service');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CredentialInputError('the credential must be a JSON object for this service');
  }
  return parsed as Record<string, unknown>;
}

/**
 * Parses operator input for a service's auth scheme: the bare secret for header/query/bearer, `user:password`
 * for basic (RFC 7617 §2: the user id cannot contain a colon), and a JSON object for OAuth2.
 */
export function parseCredentialInput(auth: VaultAuthSpec, input: string): CredentialMaterial {
  const text = input.replace(/\r?\n$/, '');
  if (Buffer.byteLength(text) > MAX_CREDENTIAL_BYTES) throw new CredentialInputError('the credential is too large');
  switch (auth.type) {
    case 'header':
    case 'query':
    case 'bearer':
      return { kind: 'secret', value: requireSafe(text, 'the credential') };
    case 'basic': {
      const colon = text.indexOf(':');
      if (colon <= 0) throw new CredentialInputError('a basic credential is "username:password"');
      return {
        kind: 'basic',
        username: requireSafe(text.slice(0, colon), 'username'),
        password: requireSafe(text.slice(colon + 1), 'password'),
      };
    }
    case 'oauth2_client_credentials': {
      const json = parseJsonObject(text);
      return {
        kind: 'oauth2',
        clientId: requireSafe(json.client_id, 'client_id'),
        clientSecret: requireSafe(json.client_secret, 'client_secret'),
        refreshToken: null,
      };
    }
    case 'oauth2_refresh_token': {
      const json = parseJsonObject(text);
      return {
        kind: 'oauth2',
        clientId: requireSafe(json.client_id, 'client_id'),
        clientSecret: json.client_secret === undefined ? null : requireSafe(json.client_secret, 'client_secret'),
        refreshToken: requireSafe(json.refresh_token, 'refresh_token'),
      };
    }
  }
}

function decodeMaterial(plaintext: Buffer): CredentialMaterial {
  const parsed = JSON.parse(plaintext.toString('utf8')) as CredentialMaterial;
  if (parsed.kind !== 'secret' && parsed.kind !== 'basic' && parsed.kind !== 'oauth2') throw new TypeError('kind');
  return parsed;
}

/** Every string that must never reach the agent for this credential (raw values and their common encodings). */
export function secretStrings(material: CredentialMaterial): string[] {
  const raw =
    material.kind === 'secret'
      ? [material.value]
      : material.kind === 'basic'
        ? [material.password, Buffer.from(`${material.username}:${material.password}`).toString('base64')]
        : [material.clientSecret ?? '', material.refreshToken ?? ''];
  const out = new Set<string>();
  for (const value of raw) {
    if (value.length === 0) continue;
    out.add(value);
    out.add(encodeURIComponent(value));
  }
  return [...out];
}

export interface VaultCredentialsOptions {
  store: Store;
  secrets: SecretService;
  snapshot: VaultSnapshot;
}

export class VaultCredentials {
  readonly #options: VaultCredentialsOptions;
  /** Decrypted credentials by service+scope, valid for the version they were read at. */
  readonly #cache = new Map<string, ResolvedCredential>();

  constructor(options: VaultCredentialsOptions) {
    this.#options = options;
  }

  /** Stores a credential for `scope` (write-only) and publishes its new version to every instance. */
  async set(service: VaultService, scope: string, input: string): Promise<{ secretId: string; version: number }> {
    const material = parseCredentialInput(service.auth, input);
    const stored = await this.#options.secrets.put(ownerOf(service.id), scope, JSON.stringify(material));
    await vaultRepository.upsertCredential(this.#options.store.write, {
      service: service.id,
      scope,
      secretId: stored.id,
      version: stored.version,
    });
    this.invalidate(service.id, scope);
    return { secretId: stored.id, version: stored.version };
  }

  async remove(serviceId: string, scope: string): Promise<boolean> {
    const removed = await vaultRepository.deleteCredential(this.#options.store.write, serviceId, scope);
    await this.#options.secrets.delete(ownerOf(serviceId), scope);
    await this.#options.secrets.delete(ownerOf(serviceId), tokenName(scope));
    this.invalidate(serviceId, scope);
    return removed;
  }

  /** The most specific scope holding a credential for this caller: its key, then its tenant, then the service. */
  pickScope(serviceId: string, principal: Principal): string | null {
    const { snapshot } = this.#options;
    const candidates = [scopeForKey(principal.id)];
    if (principal.tenantId !== null) candidates.push(scopeForTenant(principal.tenantId));
    candidates.push(SERVICE_SCOPE);
    return candidates.find((scope) => snapshot.getCredential(serviceId, scope) !== undefined) ?? null;
  }

  /** Decrypts (or takes from memory) the credential at `scope`; throws `CredentialUnreadableError` on failure. */
  async load(serviceId: string, scope: string): Promise<ResolvedCredential | null> {
    const pointer = this.#options.snapshot.getCredential(serviceId, scope);
    if (!pointer) return null;
    const id = credentialKey(serviceId, scope);
    const cached = this.#cache.get(id);
    if (cached && cached.version === pointer.version && cached.secretId === pointer.secretId) return cached;
    let material: CredentialMaterial;
    try {
      const plaintext = await this.#options.secrets.get(ownerOf(serviceId), scope);
      if (plaintext === null) return null;
      material = decodeMaterial(plaintext);
    } catch (error) {
      throw new CredentialUnreadableError(serviceId, scope, error);
    }
    const resolved: ResolvedCredential = {
      service: serviceId,
      scope,
      owner: ownerOf(serviceId),
      secretId: pointer.secretId,
      version: pointer.version,
      material,
    };
    this.#cache.set(id, resolved);
    return resolved;
  }

  invalidate(serviceId: string, scope: string): void {
    this.#cache.delete(credentialKey(serviceId, scope));
  }
}

/** Where the current OAuth2 token state of a credential is kept (also an envelope). */
export function tokenName(scope: string): string {
  return `${scope}#token`;
}
