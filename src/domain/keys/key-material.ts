import { createHash, createHmac, hash } from 'node:crypto';
import { randomBase62 } from '../ids.ts';

export const KEY_PREFIX = 'gh_';
/** Admin API tokens look different from data-plane keys, so neither is ever mistaken for the other. */
export const ADMIN_TOKEN_PREFIX = 'gha_';
/** 32 random bytes in base62 is 43 characters: 256 bits of entropy, so a fast keyed hash is enough (DESIGN §3). */
const KEY_BODY_LENGTH = 43;
const KEY_PATTERN = /^gh_[0-9A-Za-z]{43}$/;
const ADMIN_TOKEN_PATTERN = /^gha_[0-9A-Za-z]{43}$/;
/** Characters of the key shown in listings: enough to tell keys apart, far too few to guess the rest. */
const DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 8;

export interface GeneratedKey {
  key: string;
  prefix: string;
}

function generateSecretToken(prefix: string): GeneratedKey {
  const key = `${prefix}${randomBase62(32).padStart(KEY_BODY_LENGTH, '0')}`;
  return { key, prefix: displayPrefix(key) };
}

export function generateVirtualKey(): GeneratedKey {
  return generateSecretToken(KEY_PREFIX);
}

export function generateAdminToken(): GeneratedKey {
  return generateSecretToken(ADMIN_TOKEN_PREFIX);
}

export function displayPrefix(key: string): string {
  const typePrefix = key.startsWith(ADMIN_TOKEN_PREFIX) ? ADMIN_TOKEN_PREFIX : KEY_PREFIX;
  return key.slice(0, typePrefix.length + DISPLAY_PREFIX_LENGTH - KEY_PREFIX.length);
}

/** Cheap shape check before any hashing, so garbage tokens cost nothing. */
export function isVirtualKeyShape(token: string): boolean {
  return token.length === KEY_PREFIX.length + KEY_BODY_LENGTH && KEY_PATTERN.test(token);
}

export function isAdminTokenShape(token: string): boolean {
  return token.length === ADMIN_TOKEN_PREFIX.length + KEY_BODY_LENGTH && ADMIN_TOKEN_PATTERN.test(token);
}

const SHA256_BLOCK_BYTES = 64;
const SHA256_BYTES = 32;
/** Longest key the precomputed path takes (UTF-8 bytes); longer input goes through `createHmac`. */
const MAX_FAST_KEY_BYTES = 256;

interface PepperPads {
  /** (K ⊕ ipad) followed by room for the key. */
  inner: Buffer;
  /** (K ⊕ opad) followed by room for the inner digest. */
  outer: Buffer;
}

const padsByPepper = new WeakMap<Buffer, PepperPads>();

/** RFC 2104 §2: the pepper as a block-sized key (hashed first if longer than a block), XORed with ipad and opad. */
function padsFor(pepper: Buffer): PepperPads {
  let pads = padsByPepper.get(pepper);
  if (pads === undefined) {
    const block = Buffer.alloc(SHA256_BLOCK_BYTES);
    (pepper.length > SHA256_BLOCK_BYTES ? createHash('sha256').update(pepper).digest() : pepper).copy(block);
    const inner = Buffer.alloc(SHA256_BLOCK_BYTES + MAX_FAST_KEY_BYTES);
    const outer = Buffer.alloc(SHA256_BLOCK_BYTES + SHA256_BYTES);
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) {
      inner[i] = (block[i] as number) ^ 0x36;
      outer[i] = (block[i] as number) ^ 0x5c;
    }
    pads = { inner, outer };
    padsByPepper.set(pepper, pads);
  }
  return pads;
}

/**
 * HMAC-SHA-256(pepper, key), hex: the stored form of a key and its lookup index. Every authenticated request
 * computes one, so it is RFC 2104 over two one-shot hashes into buffers prepared per pepper: no `Hmac` object
 * (a native handle the garbage collector must finalize) per request. Keys too long for the buffer use `createHmac`.
 */
export function hashVirtualKey(pepper: Buffer, key: string): string {
  if (key.length * 3 > MAX_FAST_KEY_BYTES) return createHmac('sha256', pepper).update(key).digest('hex');
  const { inner, outer } = padsFor(pepper);
  const length = inner.write(key, SHA256_BLOCK_BYTES, 'utf8');
  const innerDigest = hash('sha256', inner.subarray(0, SHA256_BLOCK_BYTES + length), 'buffer') as unknown as Buffer;
  innerDigest.copy(outer, SHA256_BLOCK_BYTES);
  return hash('sha256', outer, 'hex');
}

/**
 * Constant-time comparison of two digests as hex strings: every character is looked at whatever the mismatch
 * position, so timing does not tell how much of a guess was right. No buffers are made.
 */
export function digestsEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
