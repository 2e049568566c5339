/**
 * @module RFC 8785 (JCS) canonical JSON and its SHA-256, the one way MCP code hashes tool definitions and
 * tool arguments, so a pin or an argument hash computed by a supervisor matches the gateway's byte for byte.
 */
import { createHash } from 'node:crypto';
import canonicalizeExport from 'canonicalize';

type Serialize = (input: unknown) => string | undefined;

// canonicalize 2 is CommonJS behind an ESM-style default export; see src/domain/audit/chain.ts for the details.
const loaded: unknown = canonicalizeExport;
const serialize = (typeof loaded === 'function' ? loaded : (loaded as { default: Serialize }).default) as Serialize;

/** JCS text of `value`; `undefined` (not JSON) becomes `null` so a hash is always defined. */
export function canonicalJson(value: unknown): string {
  return serialize(value) ?? 'null';
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** SHA-256 (hex) of the canonical JSON of `value`: the arguments hash in audit events and capabilities. */
export function canonicalSha256(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
