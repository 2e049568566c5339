/**
 * @module Supervisor public keys for capability verification: a JWKS (`{"keys":[…]}`, each with a `kid`) or
 * one or more PEM SPKI blocks (kid = the RFC 7638 JWK thumbprint). Only Ed25519 keys are accepted: a key of
 * any other type would let an attacker pick the algorithm (the HS256-with-a-public-key confusion).
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

export interface CapabilityKey {
  kid: string;
  key: KeyObject;
}

export class CapabilityKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CapabilityKeyError';
  }
}

/** RFC 7638 §3.2: the thumbprint of an OKP key hashes `{"crv","kty","x"}` in that order. */
export function ed25519Thumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as { crv?: string; x?: string };
  const canonical = `{"crv":"${jwk.crv}","kty":"OKP","x":"${jwk.x}"}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

function requireEd25519(key: KeyObject, where: string): KeyObject {
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') {
    throw new CapabilityKeyError(`${where}: only Ed25519 public keys are accepted`);
  }
  return key;
}

function parseJwks(text: string): CapabilityKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CapabilityKeyError('the JWKS is not valid JSON');
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new CapabilityKeyError('the JWKS has no "keys" array');
  return keys.map((jwk: unknown, index) => {
    const entry = jwk as { kid?: unknown; kty?: unknown; crv?: unknown; d?: unknown; alg?: unknown };
    const where = `keys[${index}]`;
    if (typeof entry.kid !== 'string' || entry.kid.length === 0)
      throw new CapabilityKeyError(`${where}: "kid" is required`);
    if (entry.kty !== 'OKP' || entry.crv !== 'Ed25519')
      throw new CapabilityKeyError(`${where}: must be kty OKP, crv Ed25519`);
    if (entry.d !== undefined)
      throw new CapabilityKeyError(`${where}: is a private key; configure the public half only`);
    if (entry.alg !== undefined && entry.alg !== 'EdDSA') throw new CapabilityKeyError(`${where}: alg must be EdDSA`);
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as never, format: 'jwk' });
    } catch (error) {
      throw new CapabilityKeyError(`${where}: ${(error as Error).message}`);
    }
    return { kid: entry.kid, key: requireEd25519(key, where) };
  });
}

function parsePem(text: string): CapabilityKey[] {
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0) throw new CapabilityKeyError('expected a JWKS or PEM "PUBLIC KEY" blocks');
  return blocks.map((pem, index) => {
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch (error) {
      throw new CapabilityKeyError(`PEM block ${index + 1}: ${(error as Error).message}`);
    }
    requireEd25519(key, `PEM block ${index + 1}`);
    return { kid: ed25519Thumbprint(key), key };
  });
}

/** Parses `GATEHOUSE_CAPABILITY_ISSUER_KEYS`; several keys at once is how `kid` rotation works. */
export function parseCapabilityKeys(text: string): CapabilityKey[] {
  const trimmed = text.trim();
  const keys = trimmed.startsWith('{') ? parseJwks(trimmed) : parsePem(trimmed);
  const kids = new Set<string>();
  for (const { kid } of keys) {
    if (kids.has(kid)) throw new CapabilityKeyError(`duplicate kid ${kid}`);
    kids.add(kid);
  }
  return keys;
}
