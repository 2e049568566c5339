import { createHash } from 'node:crypto';
import { type KekProvider, parseEnvelope } from '../../../domain/secrets/index.ts';
import { adminRepository, type Store } from '../../../store/index.ts';
import { httpError } from '../../errors.ts';
import type { IdempotencyStore } from './common.ts';

const TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Stored responses can hold a key shown once (key create, rotate), so they are kept as envelopes like any secret,
 * bound to their scope and idempotency key, and honoured for 24 hours.
 */
export function createIdempotencyStore(store: Store, kek: KekProvider): IdempotencyStore {
  const aadFor = (scope: string, key: string) => ({
    owner: 'idempotency',
    id: createHash('sha256').update(`${scope}\n${key}`).digest('hex'),
  });
  return {
    async lookup(scope, key, requestHash) {
      const stored = await adminRepository.findIdempotentResponse(store.write, scope, key);
      if (!stored || Date.now() - stored.createdAt > TTL_MS) return null;
      if (stored.requestHash !== requestHash) throw httpError('idempotency_key_reused');
      const body = JSON.parse(kek.decrypt(parseEnvelope(stored.response), aadFor(scope, key)).toString('utf8'));
      return { status: stored.status, body };
    },
    async save(scope, key, requestHash, status, body) {
      const envelope = kek.encrypt(JSON.stringify(body), aadFor(scope, key));
      await adminRepository.saveIdempotentResponse(store.write, {
        scope,
        key,
        requestHash,
        status,
        response: JSON.stringify(envelope),
      });
    },
  };
}
