/**
 * @module The Ed25519 key that signs audit checkpoints. Managed like the gateway's other internal secrets: generated
 * on first start, stored envelope-encrypted under the master key (`SYSTEM_OWNER/audit-checkpoint-key`), re-wrapped by
 * `gatehouse secrets rotate`. Its public half is what verifiers keep (`gatehouse audit checkpoint-key`).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { checkpointKeyId } from '../../domain/audit/index.ts';
import { type SecretService, SYSTEM_OWNER } from '../../secrets/index.ts';

const KEY_NAME = 'audit-checkpoint-key';

export interface CheckpointSigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
  /** SPKI PEM, the form `--public-key` reads back. */
  publicKeyPem: string;
}

function generatePkcs8(): Buffer {
  return generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' });
}

/** Loads the signing key, creating it on first use (whichever instance stores one first, all use that one). */
export async function loadCheckpointSigningKey(secrets: SecretService): Promise<CheckpointSigningKey> {
  const der = await secrets.loadOrCreate(SYSTEM_OWNER, KEY_NAME, generatePkcs8);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    keyId: checkpointKeyId(publicKey),
    publicKeyPem: String(publicKey.export({ format: 'pem', type: 'spki' })),
  };
}

/** Reads a verifier's copy of the public key (PEM, as exported); throws a TypeError for anything else. */
export function parseCheckpointPublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new TypeError(`not a PEM public key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`not an Ed25519 key (${key.asymmetricKeyType})`);
  return key;
}
