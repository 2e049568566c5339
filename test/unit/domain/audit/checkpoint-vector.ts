/**
 * Builds `contracts/vectors/audit-checkpoint/valid.json`: a checkpoint signed with a fixed Ed25519 key, its public
 * key and the exact bytes signed, so a verifier written in any language can check its implementation.
 * Regenerate: npx tsx test/unit/domain/audit/checkpoint-vector.ts --write
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { checkpointDigest, signCheckpoint } from '../../../../src/domain/audit/index.ts';
import { canonicalJsonWithout } from '../../../../src/domain/canonical-json.ts';

/** RFC 8410 PKCS#8 prefix of an Ed25519 private key; the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = '302e020100300506032b657004220420';
const SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';

export function buildCheckpointVector() {
  const privateKey = createPrivateKey({
    key: Buffer.from(PKCS8_ED25519_PREFIX + SEED, 'hex'),
    format: 'der',
    type: 'pkcs8',
  });
  const checkpoint = signCheckpoint(
    {
      ts: '2026-12-04T18:00:00.000Z',
      writer: 'eu-west-0193a1b2-0000-7000-8000-000000000001',
      prev: null,
      chains: [
        { chain_id: 'eu-west-0193a1b2-0000-7000-8000-000000000001', seq: 42, hash: 'ab'.repeat(32) },
        { chain_id: 'eu-west-0193a1b2-0000-7000-8000-000000000002', seq: 7, hash: 'cd'.repeat(32) },
      ],
    },
    privateKey,
  );
  return {
    description: 'A signed audit checkpoint (src/domain/audit/checkpoint.ts); the seed is RFC 8032 test 1.',
    public_key_pem: String(createPublicKey(privateKey).export({ format: 'pem', type: 'spki' })),
    signing_input: canonicalJsonWithout(checkpoint, 'sig'),
    digest: checkpointDigest(checkpoint),
    checkpoint,
  };
}

if (process.argv.includes('--write')) {
  const path = new URL('../../../../contracts/vectors/audit-checkpoint/valid.json', import.meta.url);
  writeFileSync(path, `${JSON.stringify(buildCheckpointVector(), null, 2)}\n`);
}
