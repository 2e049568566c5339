/**
 * @module AES-256-GCM sealed JSON tokens: state the gateway hands a client (a session id, a multi-round-trip
 * `requestState`) and must get back unaltered. The client can neither read nor forge one; the AAD names the
 * token's purpose, so a token of one kind is never accepted as another.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function sealJson(key: Buffer, aad: Buffer, prefix: string, value: unknown): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return prefix + Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
}

/** The sealed value, or null when the token is forged, corrupted, too long or not of this kind. */
export function openJson(key: Buffer, aad: Buffer, prefix: string, token: string, maxLength = 4096): unknown {
  if (!token.startsWith(prefix) || token.length > maxLength) return null;
  const raw = Buffer.from(token.slice(prefix.length), 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES + 2) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(aad);
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
    return JSON.parse(text.toString('utf8'));
  } catch {
    return null;
  }
}
