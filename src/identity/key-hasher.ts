import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { hashVirtualKey } from '../domain/keys/index.ts';

export type KeyHashing = 'hmac' | 'argon2id';

/**
 * How a key is stored. HMAC-SHA-256 with the pepper is the default: keys carry 256 bits of entropy, so a slow hash
 * adds nothing but latency, and the digest doubles as an O(1) lookup index. `argon2id` exists for deployments whose
 * policy demands a password hash; its digests are salted, so lookups go by display prefix and a verified-key cache
 * keeps the ~14 ms verify off the hot path after the first request.
 */
export async function hashKeyForStorage(mode: KeyHashing, pepper: Buffer, key: string): Promise<string> {
  if (mode === 'hmac') return hashVirtualKey(pepper, key);
  return argon2Hash(key, { secret: pepper });
}

export function verifyArgon2Key(stored: string, pepper: Buffer, key: string): Promise<boolean> {
  return argon2Verify(stored, key, { secret: pepper }).catch(() => false);
}
