/**
 * @module
 * Signed checkpoints of the audit chains' heads (issue 14, "tamper evidence covers truncation"). The hash chain is
 * unkeyed: whoever can write the store can delete a chain's tail, or rewrite a chain and re-hash every event after
 * the edit, and `verifyChain` still passes. A checkpoint records each chain's head (seq and hash) at a moment, signed
 * with Ed25519 (RFC 8032), and is written to a sink the store's owner cannot silently rewrite, as AWS CloudTrail does
 * with its digest files. A chain that ends before a checkpointed seq lost its tail; one whose event at a checkpointed
 * seq has another hash was rewritten.
 *
 * Wire form, one JSON object per line (`contracts/schemas/audit-checkpoint.schema.json`):
 *
 * ```
 * sig  = base64url( Ed25519-sign( UTF-8( JCS(checkpoint without "sig") ) ) )      RFC 8785 canonical JSON
 * prev = hex( SHA-256( UTF-8( JCS(previous checkpoint of the same writer, with its sig) ) ) ), null for the first
 * key_id = hex( SHA-256( raw 32-byte public key ) )[0..32]
 * ```
 *
 * `prev` links a writer's checkpoints, so one deleted from the middle of a sink shows as a broken link.
 */
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { canonicalJson, canonicalJsonWithout } from '../canonical-json.ts';
import { AUDIT_TS_PATTERN, HEX_256_PATTERN } from './event.ts';

export const CHECKPOINT_TYPE = 'gatehouse.audit.checkpoint' as const;

const Hex256 = Type.String({ pattern: HEX_256_PATTERN });

export const CheckpointHeadSchema = Type.Object(
  {
    chain_id: Type.String({ minLength: 1, maxLength: 256 }),
    seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    hash: Hex256,
  },
  { additionalProperties: false },
);
export type CheckpointHead = Static<typeof CheckpointHeadSchema>;

export const AuditCheckpointSchema = Type.Object(
  {
    type: Type.Literal(CHECKPOINT_TYPE),
    version: Type.Literal(1),
    ts: Type.String({ pattern: AUDIT_TS_PATTERN }),
    writer: Type.String({ minLength: 1, maxLength: 256, description: 'The gateway instance that wrote it.' }),
    key_id: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'First 16 bytes of SHA-256(public key), hex.' }),
    prev: Type.Union([Hex256, Type.Null()], { description: "SHA-256 of the writer's previous checkpoint line." }),
    chains: Type.Array(CheckpointHeadSchema, { description: 'Every chain in the store and its committed head.' }),
    sig: Type.String({ pattern: '^[A-Za-z0-9_-]{86}$', description: 'Ed25519 over JCS(checkpoint without sig).' }),
  },
  {
    $id: 'audit-checkpoint',
    additionalProperties: false,
    description: "A signed record of every audit chain's head (Gatehouse issue 14).",
  },
);
export type AuditCheckpoint = Static<typeof AuditCheckpointSchema>;
export type UnsignedCheckpoint = Omit<AuditCheckpoint, 'sig' | 'type' | 'version' | 'key_id'>;

const checker = TypeCompiler.Compile(AuditCheckpointSchema);

/** Type guard over `AuditCheckpointSchema`. */
export function isAuditCheckpoint(value: unknown): value is AuditCheckpoint {
  return checker.Check(value);
}

/** Dotted path and message of the first schema violation, or null for a well-formed checkpoint. */
export function describeCheckpointError(value: unknown): string | null {
  const first = checker.Errors(value).First();
  if (first === undefined) return null;
  return `${first.path === '' ? '(root)' : first.path}: ${first.message}`;
}

function requireEd25519(key: KeyObject, type: 'private' | 'public'): void {
  if (key.type !== type || key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`checkpoint keys are Ed25519; got a ${key.asymmetricKeyType ?? 'symmetric'} ${key.type} key`);
  }
}

/** Names the key that signed a checkpoint, so a verifier can tell a foreign key from a bad signature. */
export function checkpointKeyId(publicKey: KeyObject): string {
  requireEd25519(publicKey, 'public');
  const raw = Buffer.from(String(publicKey.export({ format: 'jwk' }).x), 'base64url');
  return createHash('sha256').update(raw).digest('hex').slice(0, 32);
}

/** Signs `body` with an Ed25519 private key; the result is what a sink stores, one line of JSON. */
export function signCheckpoint(body: UnsignedCheckpoint, privateKey: KeyObject): AuditCheckpoint {
  requireEd25519(privateKey, 'private');
  const unsigned = {
    type: CHECKPOINT_TYPE,
    version: 1 as const,
    ts: body.ts,
    writer: body.writer,
    key_id: checkpointKeyId(createPublicKey(privateKey)),
    prev: body.prev,
    chains: body.chains.map((head) => ({ chain_id: head.chain_id, seq: head.seq, hash: head.hash })),
  };
  const sig = sign(null, Buffer.from(canonicalJson(unsigned)), privateKey).toString('base64url');
  return { ...unsigned, sig };
}

/** True when `checkpoint` was signed by `publicKey` and not altered since; never throws on a well-formed one. */
export function checkpointSignatureValid(checkpoint: AuditCheckpoint, publicKey: KeyObject): boolean {
  requireEd25519(publicKey, 'public');
  const payload = Buffer.from(canonicalJsonWithout(checkpoint, 'sig'));
  return verify(null, payload, publicKey, Buffer.from(checkpoint.sig, 'base64url'));
}

/** What the writer's next checkpoint carries as `prev`. */
export function checkpointDigest(checkpoint: AuditCheckpoint): string {
  return createHash('sha256').update(canonicalJson(checkpoint)).digest('hex');
}
