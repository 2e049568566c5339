import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CapabilityKeyError,
  ed25519Thumbprint,
  parseCapabilityKeys,
  verifyCapability,
} from '../../../../src/domain/capabilities/index.ts';
import { buildVectors, VECTOR_PATH } from './capability-vectors.ts';

interface VectorFile {
  public_key_pem: string;
  kid: string;
  context: {
    audience: string;
    subject: string;
    server: string;
    tool: string;
    tool_sha256: string;
    args: unknown;
    now_seconds: number;
    max_lifetime_seconds: number;
    clock_skew_seconds: number;
  };
  cases: { name: string; token: string; expect: string }[];
}

const vectors = JSON.parse(readFileSync(VECTOR_PATH, 'utf8')) as VectorFile;

describe('capability vectors (contracts/vectors/capability)', () => {
  it('are what the generator produces (Ed25519 is deterministic)', async () => {
    expect(JSON.parse(JSON.stringify(await buildVectors()))).toEqual(vectors);
  });

  it('uses the RFC 8037 §A.3 thumbprint as kid for the RFC 8032 test key', () => {
    expect(vectors.kid).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  const keys = parseCapabilityKeys(vectors.public_key_pem);
  const { context } = vectors;
  for (const vector of vectors.cases) {
    it(`${vector.name} → ${vector.expect}`, async () => {
      const verdict = await verifyCapability(vector.token, keys, {
        audience: context.audience,
        subject: context.subject,
        server: context.server,
        tool: context.tool,
        toolSha256: context.tool_sha256,
        args: context.args,
        now: context.now_seconds * 1000,
        maxLifetimeSeconds: context.max_lifetime_seconds,
        clockSkewSeconds: context.clock_skew_seconds,
      });
      expect(verdict.ok ? 'ok' : verdict.reason).toBe(vector.expect);
    });
  }
});

describe('parseCapabilityKeys', () => {
  it('accepts a JWKS with kids (rotation: several keys) and rejects everything that is not an Ed25519 public key', () => {
    const [key] = parseCapabilityKeys(vectors.public_key_pem);
    const jwk = { ...(key?.key.export({ format: 'jwk' }) as object), kid: 'k1' };
    const two = parseCapabilityKeys(JSON.stringify({ keys: [jwk, { ...jwk, kid: 'k2' }] }));
    expect(two.map((entry) => entry.kid)).toEqual(['k1', 'k2']);
    expect(ed25519Thumbprint(two[0]?.key as never)).toBe(vectors.kid);
    const bad = [
      '',
      '{"keys":[]}',
      JSON.stringify({ keys: [{ ...jwk, kid: undefined }] }),
      JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'h' }] }),
      JSON.stringify({ keys: [{ ...jwk, d: 'private' }] }),
      JSON.stringify({ keys: [jwk, jwk] }),
      '-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----',
    ];
    for (const text of bad) expect(() => parseCapabilityKeys(text), text).toThrow(CapabilityKeyError);
  });
});
