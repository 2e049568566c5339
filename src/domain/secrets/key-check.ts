/**
 * @module
 * Master-key parsing and key-check values. Startup compares the configured key's check value with the one the
 * store recorded, so a wrong or mistyped `GATEHOUSE_MASTER_KEY` is refused before any envelope is touched, instead
 * of surfacing later as a stream of decrypt failures.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isKekId } from './envelope-schema.ts';
import type { KekEntry } from './kek-provider.ts';

const KCV_MESSAGE = 'gatehouse key check v1';
const KCV_BYTES = 16;
const KCV_PATTERN = /^[0-9a-f]{32}$/;
const KEY_HEX_PATTERN = /^[0-9a-fA-F]{64}$/;

/**
 * First 16 bytes of HMAC-SHA-256(key, "gatehouse key check v1"), lowercase hex. A PRF output over a fixed
 * message identifies the key without revealing it and without an encryption under it.
 */
export function computeKeyCheckValue(key: Buffer): string {
  if (!Buffer.isBuffer(key) || key.length === 0) throw new RangeError('key-check value needs a non-empty key');
  return createHmac('sha256', key).update(KCV_MESSAGE).digest().subarray(0, KCV_BYTES).toString('hex');
}

/**
 * True when `kcv` is the check value of `key`. A malformed `kcv` is false, not an error. The compare is
 * constant-time so a caller that exposes this check cannot be used as a timing oracle byte by byte.
 */
export function verifyKeyCheckValue(key: Buffer, kcv: string): boolean {
  if (typeof kcv !== 'string' || !KCV_PATTERN.test(kcv)) return false;
  const expected = Buffer.from(computeKeyCheckValue(key), 'hex');
  return timingSafeEqual(expected, Buffer.from(kcv, 'hex'));
}

/**
 * Parses a 256-bit key given as 64 hex characters (either case). `name` is the setting it came from, e.g.
 * `GATEHOUSE_MASTER_KEY`; errors name it and describe the problem, and never include the value.
 * @throws Error when the value is not exactly 64 hex characters or is all zeros (a placeholder, not a key).
 */
export function parseMasterKeyHex(hex: string, name: string): Buffer {
  if (typeof hex !== 'string' || hex.length === 0) {
    throw new Error(`${name} is empty: set it to 64 hex characters (32 bytes), e.g. from \`openssl rand -hex 32\``);
  }
  if (!KEY_HEX_PATTERN.test(hex)) {
    throw new Error(`${name} must be exactly 64 hex characters (32 bytes); ${describeBadHex(hex)}`);
  }
  const key = Buffer.from(hex, 'hex');
  if (key.every((byte) => byte === 0)) throw new Error(`${name} is all zeros: generate a random key`);
  return key;
}

/**
 * Parses a list of retired keys, `"<id>:<64 hex>,<id>:<64 hex>"` (spaces around commas allowed), newest first
 * by convention. An empty string is an empty list.
 * @throws Error naming `name` and the entry's position or id; key bytes are never echoed.
 */
export function parseKeyList(list: string, name = 'previous master keys'): KekEntry[] {
  if (list.trim() === '') return [];
  const seen = new Set<string>();
  return list.split(',').map((raw, index) => {
    const entry = raw.trim();
    const colon = entry.indexOf(':');
    if (colon < 0) throw new Error(`${name} entry ${index + 1} must look like <id>:<64 hex characters>`);
    const id = entry.slice(0, colon);
    if (!isKekId(id)) {
      throw new Error(`${name} entry ${index + 1} has an invalid id: use 1-64 characters of [A-Za-z0-9._-]`);
    }
    if (seen.has(id)) throw new Error(`${name} lists the id "${id}" twice`);
    seen.add(id);
    return { id, key: parseMasterKeyHex(entry.slice(colon + 1), `${name}[${id}]`) };
  });
}

function describeBadHex(value: string): string {
  if (value.trim() !== value) return 'it has leading or trailing whitespace';
  if (!/^[0-9a-fA-F]*$/.test(value)) return 'it contains non-hex characters';
  return `got ${value.length} characters`;
}
