/**
 * @module
 * The boundary every key-encryption-key (KEK) backend implements (DESIGN §5). The built-in one keeps keys in
 * memory (`createLocalKekProvider`); a KMS or HSM backend implements the same contract.
 */
import type { SecretEnvelope } from './envelope-schema.ts';

/**
 * Binds a ciphertext to where it is stored, so an envelope copied onto another owner's or another secret's row
 * fails to decrypt instead of leaking that value to the wrong principal. Compared as exact UTF-8 bytes, with no
 * Unicode normalisation; both fields must be non-empty, well-formed strings.
 */
export interface EnvelopeAad {
  /** Who owns the secret, e.g. `team:<uuid>` or `vault-service:<name>`. */
  owner: string;
  /** The secret's own stable id (usually a UUIDv7). */
  id: string;
}

/**
 * Encrypts, decrypts and re-wraps secret envelopes.
 *
 * Implementations must guarantee:
 * - a fresh 256-bit data key (DEK) and fresh 96-bit nonces per `encrypt`; nonces are never derived or counted;
 * - the value's AAD is `encodeValueAad(aad)` and the DEK wrap's AAD is `encodeDekAad(aad, kek_id)`, so an
 *   envelope from one implementation opens with another holding the same key (see `contracts/vectors/`);
 * - failures to decrypt or re-wrap throw `EnvelopeDecryptError` and never return partial plaintext;
 * - no method logs or returns key material, and only `decrypt` returns plaintext.
 */
export interface KekProvider {
  /** The KEK new envelopes are wrapped under, and the target of `rewrap`. */
  readonly currentKekId: string;
  /** True when envelopes wrapped under `kekId` can be opened (the current KEK or a retained previous one). */
  hasKek(kekId: string): boolean;
  /** Encrypt with a fresh 256-bit data key; the data key is wrapped by the current KEK. */
  encrypt(plaintext: Buffer | string, aad: EnvelopeAad): SecretEnvelope;
  /**
   * Opens an envelope wrapped under any KEK this provider holds.
   * @throws EnvelopeDecryptError `corrupt` (fails the schema), `unknown_kek`, or `auth_failed` (wrong AAD,
   *   wrong key or any tampered byte).
   */
  decrypt(envelope: SecretEnvelope, aad: EnvelopeAad): Buffer;
  /**
   * Re-wrap the data key under the current KEK; the ciphertext of the value is untouched; no plaintext escapes.
   * The old KEK must still be held. An envelope already under the current KEK is verified and returned
   * unchanged, so a rotation that is interrupted and resumed does no extra work.
   * @throws EnvelopeDecryptError as `decrypt`, judged on the wrapped data key.
   */
  rewrap(envelope: SecretEnvelope, aad: EnvelopeAad): SecretEnvelope;
}

/** A 256-bit KEK and its id, as parsed by `parseMasterKeyHex` / `parseKeyList`. */
export interface KekEntry {
  id: string;
  key: Buffer;
}

export type EnvelopeDecryptReason = 'unknown_kek' | 'auth_failed' | 'corrupt';

/** An envelope that cannot be opened. The message names the reason and the kek_id, never key or value bytes. */
export class EnvelopeDecryptError extends Error {
  override readonly name = 'EnvelopeDecryptError';
  readonly reason: EnvelopeDecryptReason;

  constructor(reason: EnvelopeDecryptReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}
