/**
 * @module
 * Additional authenticated data for envelopes. Each field is a 4-byte big-endian length followed by its UTF-8
 * bytes, so no two field lists share an encoding (plain concatenation would let `owner="a:b", id="c"` collide
 * with `owner="a", id="b:c"`). A leading label separates the value's AAD from the DEK wrap's, and names the
 * format version so a future v2 can never accept v1 bytes.
 */
import type { EnvelopeAad } from './kek-provider.ts';

const VALUE_LABEL = 'gatehouse secret-envelope v1 value';
const DEK_LABEL = 'gatehouse secret-envelope v1 dek';

/** AAD for the value ciphertext: label ‖ owner ‖ id, each length-prefixed. */
export function encodeValueAad(aad: EnvelopeAad): Buffer {
  assertAad(aad);
  return encodeFields([VALUE_LABEL, aad.owner, aad.id]);
}

/** AAD for the wrapped DEK: label ‖ owner ‖ id ‖ kek_id, so a wrapped key cannot move between KEKs or secrets. */
export function encodeDekAad(aad: EnvelopeAad, kekId: string): Buffer {
  assertAad(aad);
  return encodeFields([DEK_LABEL, aad.owner, aad.id, kekId]);
}

function encodeFields(fields: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const field of fields) {
    const bytes = Buffer.from(field, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length, 0);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}

function assertAad(aad: EnvelopeAad): void {
  assertField(aad?.owner, 'owner');
  assertField(aad?.id, 'id');
}

// A lone UTF-16 surrogate encodes to U+FFFD, so two different strings would share AAD bytes; refuse them.
function assertField(value: unknown, name: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`envelope aad.${name} must be a non-empty string`);
  }
  if (Buffer.from(value, 'utf8').toString('utf8') !== value) {
    throw new TypeError(`envelope aad.${name} must be well-formed UTF-16 (no lone surrogates)`);
  }
}
