/**
 * @module Minting capabilities: for `gatehouse capability sign`, tests and vectors. Production supervisors
 * may use any JOSE library; what matters is the header (`alg` EdDSA, `typ`, `kid`) and the claims schema.
 */
import type { KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';
import { CAPABILITY_ALG, CAPABILITY_TYP, type CapabilityClaims } from './claims.ts';

export async function signCapability(claims: CapabilityClaims, privateKey: KeyObject, kid: string): Promise<string> {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new RangeError('capabilities are signed with an Ed25519 private key');
  }
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: CAPABILITY_ALG, typ: CAPABILITY_TYP, kid })
    .sign(privateKey);
}
