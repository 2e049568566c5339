/**
 * @module
 * The built-in KEK provider: AES-256-GCM with keys held in process memory, read at startup from
 * `GATEHOUSE_MASTER_KEY` and the previous-keys list (DESIGN §5).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { encodeDekAad, encodeValueAad } from './aad.ts';
import { CorruptEnvelopeError, isKekId, parseEnvelope, type SecretEnvelope } from './envelope-schema.ts';
import { type EnvelopeAad, EnvelopeDecryptError, type KekEntry, type KekProvider } from './kek-provider.ts';

const ALG = 'aes-256-gcm';
const KEY_BYTES = 32;
// 96-bit random nonces (NIST SP 800-38D §8.2.2). Each DEK seals exactly one value; a KEK seals one DEK per
// encrypt or rewrap, far below the 2^32 random-nonce invocations per key allowed by §8.3.
const IV_BYTES = 12;
// Node accepts truncated GCM tags on decipher unless authTagLength is pinned, which would let a forger
// brute-force a short tag (NIST SP 800-38D §5.2.1.2, Appendix C); the length is fixed on both sides.
const TAG_BYTES = 16;

export interface LocalKekProviderOptions {
  /** Wraps new data keys and is the target of `rewrap`. */
  current: KekEntry;
  /** Retired KEKs, kept only to open and re-wrap envelopes written under them. */
  previous?: readonly KekEntry[];
}

interface Sealed {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/**
 * Creates a `KekProvider` over in-memory AES-256 KEKs. Keys are copied, so the caller may wipe its buffers.
 * @throws RangeError on a key that is not 32 bytes, an invalid id, or a duplicate id.
 */
export function createLocalKekProvider(options: LocalKekProviderOptions): KekProvider {
  const keks = new Map<string, Buffer>();
  for (const entry of [options.current, ...(options.previous ?? [])]) {
    if (!isKekId(entry.id)) {
      throw new RangeError(`KEK id must be 1-64 characters of [A-Za-z0-9._-]: ${JSON.stringify(entry.id)}`);
    }
    if (!Buffer.isBuffer(entry.key) || entry.key.length !== KEY_BYTES) {
      throw new RangeError(`KEK "${entry.id}" must be exactly ${KEY_BYTES} bytes`);
    }
    if (keks.has(entry.id)) throw new RangeError(`duplicate KEK id "${entry.id}"`);
    keks.set(entry.id, Buffer.from(entry.key));
  }
  const currentKekId = options.current.id;
  const currentKek = keks.get(currentKekId)!;

  function unwrapDek(envelope: SecretEnvelope, aad: EnvelopeAad): Buffer {
    const kek = keks.get(envelope.kek_id);
    if (kek === undefined) {
      throw new EnvelopeDecryptError('unknown_kek', `no KEK "${envelope.kek_id}" is loaded`);
    }
    return open(
      kek,
      {
        iv: Buffer.from(envelope.dek.iv, 'hex'),
        tag: Buffer.from(envelope.dek.tag, 'hex'),
        ciphertext: Buffer.from(envelope.dek.wrapped, 'hex'),
      },
      encodeDekAad(aad, envelope.kek_id),
      envelope.kek_id,
    );
  }

  function wrapDek(dek: Buffer, aad: EnvelopeAad): SecretEnvelope['dek'] {
    const sealed = seal(currentKek, dek, encodeDekAad(aad, currentKekId));
    return {
      iv: sealed.iv.toString('hex'),
      tag: sealed.tag.toString('hex'),
      wrapped: sealed.ciphertext.toString('hex'),
    };
  }

  return {
    currentKekId,

    hasKek(kekId: string): boolean {
      return keks.has(kekId);
    },

    encrypt(plaintext: Buffer | string, aad: EnvelopeAad): SecretEnvelope {
      const valueAad = encodeValueAad(aad);
      const dek = randomBytes(KEY_BYTES);
      try {
        const value = seal(dek, typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext, valueAad);
        return {
          v: 1,
          alg: ALG,
          kek_id: currentKekId,
          iv: value.iv.toString('hex'),
          tag: value.tag.toString('hex'),
          ciphertext: value.ciphertext.toString('hex'),
          dek: wrapDek(dek, aad),
        };
      } finally {
        dek.fill(0);
      }
    },

    decrypt(envelope: SecretEnvelope, aad: EnvelopeAad): Buffer {
      const checked = checkEnvelope(envelope);
      const valueAad = encodeValueAad(aad);
      const dek = unwrapDek(checked, aad);
      try {
        return open(
          dek,
          {
            iv: Buffer.from(checked.iv, 'hex'),
            tag: Buffer.from(checked.tag, 'hex'),
            ciphertext: Buffer.from(checked.ciphertext, 'hex'),
          },
          valueAad,
          checked.kek_id,
        );
      } finally {
        dek.fill(0);
      }
    },

    rewrap(envelope: SecretEnvelope, aad: EnvelopeAad): SecretEnvelope {
      const checked = checkEnvelope(envelope);
      const dek = unwrapDek(checked, aad);
      try {
        if (checked.kek_id === currentKekId) return { ...checked, dek: { ...checked.dek } };
        return { ...checked, kek_id: currentKekId, dek: wrapDek(dek, aad) };
      } finally {
        dek.fill(0);
      }
    },
  };
}

// Envelopes arrive from storage typed but unchecked; a malformed one is reported as corrupt, never half-used.
function checkEnvelope(envelope: SecretEnvelope): SecretEnvelope {
  try {
    return parseEnvelope(envelope);
  } catch (error) {
    const reason = error instanceof CorruptEnvelopeError ? error.reason : 'not an envelope';
    throw new EnvelopeDecryptError('corrupt', `corrupt secret envelope: ${reason}`, { cause: error });
  }
}

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALG, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

// GCM's update() emits plaintext before final() checks the tag; that unauthenticated output is wiped, not returned.
function open(key: Buffer, sealed: Sealed, aad: Buffer, kekId: string): Buffer {
  let unverified: Buffer | undefined;
  try {
    const decipher = createDecipheriv(ALG, key, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.tag);
    unverified = decipher.update(sealed.ciphertext);
    decipher.final();
    return unverified;
  } catch (error) {
    unverified?.fill(0);
    throw new EnvelopeDecryptError(
      'auth_failed',
      `secret envelope under KEK "${kekId}" failed authentication (wrong key, wrong owner/id, or tampered)`,
      { cause: error },
    );
  }
}
