/**
 * @module
 * Replay protection for state-changing vault calls, after the IETF httpapi Idempotency-Key draft
 * (draft-ietf-httpapi-idempotency-key-header): the first request with a key is forwarded and its response stored
 * for a TTL; a retry with the same key and the same request gets that response again instead of calling the service
 * twice; the same key with a different request is refused (422), and one still in flight is refused (409). The
 * stored response is an envelope: it is the service's data, so it is encrypted at rest like any secret.
 */
import { createHash } from 'node:crypto';
import { uuidv7 } from '../domain/ids.ts';
import { type KekProvider, parseEnvelope } from '../domain/secrets/index.ts';
import { type Store, vaultRepository } from '../store/index.ts';

export const IDEMPOTENT_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const OWNER = 'vault-idempotency';

export interface StoredResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export type IdempotencyClaim =
  | { kind: 'claimed'; id: string }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

export function isValidIdempotencyKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

/** Fingerprint of what makes two requests "the same": method, target and body. */
export function hashRequest(method: string, target: string, body: Buffer | null): string {
  const hash = createHash('sha256');
  hash.update(`${method}\n${target}\n`);
  if (body) hash.update(body);
  return hash.digest('hex');
}

export interface IdempotencyStoreOptions {
  store: Store;
  kek: KekProvider;
  ttlMs: number;
  maxBytes: number;
}

export class IdempotencyStore {
  readonly #options: IdempotencyStoreOptions;

  constructor(options: IdempotencyStoreOptions) {
    this.#options = options;
  }

  get maxBytes(): number {
    return this.#options.maxBytes;
  }

  async claim(keyId: string, service: string, idempotencyKey: string, requestHash: string): Promise<IdempotencyClaim> {
    const db = this.#options.store.write;
    const now = Date.now();
    const id = uuidv7(now);
    const row = {
      id,
      key_id: keyId,
      service,
      idempotency_key: idempotencyKey,
      request_hash: requestHash,
      status: null,
      response: null,
      created_at: now,
      expires_at: now + this.#options.ttlMs,
    };
    if (await vaultRepository.claimIdempotencyKey(db, row)) return { kind: 'claimed', id };
    const existing = await vaultRepository.findIdempotencyKey(db, keyId, service, idempotencyKey);
    if (existing === null) {
      return (await vaultRepository.claimIdempotencyKey(db, row)) ? { kind: 'claimed', id } : { kind: 'in_progress' };
    }
    if (existing.request_hash !== requestHash) return { kind: 'mismatch' };
    if (existing.status === null || existing.response === null) return { kind: 'in_progress' };
    try {
      const plain = this.#options.kek.decrypt(parseEnvelope(existing.response), { owner: OWNER, id: existing.id });
      const parsed = JSON.parse(plain.toString('utf8')) as { headers: StoredResponse['headers']; body: string };
      return {
        kind: 'replay',
        response: { status: existing.status, headers: parsed.headers, body: Buffer.from(parsed.body, 'base64') },
      };
    } catch {
      // Unreadable (its KEK was retired): the stored answer is gone, so the safest remaining promise is "in progress"
      // until it expires, never a second call to the service.
      return { kind: 'in_progress' };
    }
  }

  async complete(id: string, response: StoredResponse): Promise<void> {
    const plain = JSON.stringify({ headers: response.headers, body: response.body.toString('base64') });
    const envelope = this.#options.kek.encrypt(plain, { owner: OWNER, id });
    await vaultRepository.completeIdempotencyKey(
      this.#options.store.write,
      id,
      response.status,
      JSON.stringify(envelope),
    );
  }

  /** Forgets a claim whose request never produced a storable answer, so a retry may try again. */
  async release(id: string): Promise<void> {
    await vaultRepository.releaseIdempotencyKey(this.#options.store.write, id);
  }

  purgeExpired(): Promise<number> {
    return vaultRepository.purgeExpiredIdempotencyKeys(this.#options.store.write);
  }
}
