import { createHmac, timingSafeEqual } from 'node:crypto';
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

/** HMAC-SHA-256(pepper, key), hex: the stored form of a key and its lookup index. */
export function hashVirtualKey(pepper: Buffer, key: string): string {
  return createHmac('sha256', pepper).update(key).digest('hex');
}

/** Constant-time comparison of two hex digests, so a mismatch position never leaks through timing. */
export function digestsEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}
