/**
 * @module The SHA-256 of RFC 8785 canonical JSON, the one way MCP code hashes tool definitions and tool arguments,
 * so a pin or an argument hash computed by a supervisor matches the gateway's byte for byte.
 */
import { createHash } from 'node:crypto';
import { canonicalJson as canonicalJsonStrict } from '../canonical-json.ts';

/** JCS text of `value`; `undefined` (not JSON) becomes `null` so a hash is always defined. */
export function canonicalJson(value: unknown): string {
  return value === undefined ? 'null' : canonicalJsonStrict(value);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** SHA-256 (hex) of the canonical JSON of `value`: the arguments hash in audit events and capabilities. */
export function canonicalSha256(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
