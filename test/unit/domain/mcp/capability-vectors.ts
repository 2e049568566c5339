/**
 * Builds `contracts/vectors/capability/vectors.json`: capability tokens signed by a fixed Ed25519 key, each
 * with the call it is presented for and the expected verdict. Ed25519 signatures are deterministic (RFC 8032
 * §5.1.6), so re-running this reproduces the file byte for byte. Run: `npx tsx test/unit/domain/mcp/capability-vectors.ts`.
 */
import { createHmac, createPrivateKey, createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { type CapabilityClaims, ed25519Thumbprint, signCapability } from '../../../../src/domain/capabilities/index.ts';
import { canonicalSha256 } from '../../../../src/domain/mcp/index.ts';

export const VECTOR_PATH = 'contracts/vectors/capability/vectors.json';
// RFC 8032 §7.1 test 1 secret key, wrapped in its PKCS#8 DER prefix.
const SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const PRIVATE = createPrivateKey({
  key: Buffer.from(`302e020100300506032b657004220420${SEED}`, 'hex'),
  format: 'der',
  type: 'pkcs8',
});
const PUBLIC = createPublicKey(PRIVATE);
const NOW = 1_800_000_000;
const PIN = canonicalSha256({ name: 'get-sum' });
const ARGS = { a: 2, b: 3 };

const base: CapabilityClaims = {
  iss: 'supervisor',
  sub: '01890000-0000-7000-8000-000000000001',
  aud: 'gatehouse',
  server: 'everything',
  tool: 'get-sum',
  tool_sha256: PIN,
  args: { sha256: canonicalSha256(ARGS) },
  nbf: NOW - 10,
  exp: NOW + 50,
  jti: 'vector-0001',
};

function unsigned(alg: string, claims: CapabilityClaims): string {
  const header = Buffer.from(JSON.stringify({ alg, typ: 'gatehouse-capability+jwt' })).toString('base64url');
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
}

export async function buildVectors() {
  const kid = ed25519Thumbprint(PUBLIC);
  const sign = (overrides: Partial<CapabilityClaims>) => signCapability({ ...base, ...overrides }, PRIVATE, kid);
  const pem = PUBLIC.export({ format: 'pem', type: 'spki' }).toString();
  const hs = unsigned('HS256', base);
  const cases: Array<{ name: string; token: string; expect: string }> = [
    { name: 'valid, exact arguments hash', token: await sign({}), expect: 'ok' },
    {
      name: 'valid, predicate arguments',
      token: await sign({ args: { match: [{ path: '/a', op: 'lte', value: 2 }] } }),
      expect: 'ok',
    },
    {
      name: 'other arguments',
      token: await sign({ args: { sha256: canonicalSha256({ a: 3, b: 3 }) } }),
      expect: 'wrong_arguments',
    },
    { name: 'other tool', token: await sign({ tool: 'echo' }), expect: 'wrong_tool' },
    { name: 'other server', token: await sign({ server: 'remote' }), expect: 'wrong_server' },
    { name: 'changed pin', token: await sign({ tool_sha256: '0'.repeat(64) }), expect: 'wrong_pin' },
    { name: 'other subject', token: await sign({ sub: 'someone-else' }), expect: 'wrong_subject' },
    { name: 'other audience', token: await sign({ aud: 'elsewhere' }), expect: 'wrong_audience' },
    { name: 'expired', token: await sign({ nbf: NOW - 200, exp: NOW - 100 }), expect: 'expired' },
    { name: 'not yet valid', token: await sign({ nbf: NOW + 100, exp: NOW + 150 }), expect: 'not_yet_valid' },
    { name: 'lifetime over 300 s', token: await sign({ exp: NOW + 3600 }), expect: 'lifetime_too_long' },
    {
      name: 'unknown claim',
      token: await signCapability({ ...base, extra: 1 } as CapabilityClaims, PRIVATE, kid),
      expect: 'invalid_claims',
    },
    { name: 'unknown kid', token: await signCapability(base, PRIVATE, 'not-a-kid'), expect: 'unknown_key' },
    { name: 'alg none', token: `${unsigned('none', base)}.`, expect: 'unsupported_alg' },
    {
      name: 'HS256 keyed with the public key (key confusion)',
      token: `${hs}.${createHmac('sha256', pem).update(hs).digest('base64url')}`,
      expect: 'unsupported_alg',
    },
    {
      name: 'tampered payload',
      token: (await sign({})).replace(
        /\.[^.]+\./,
        `.${Buffer.from(JSON.stringify({ ...base, args: { sha256: '1'.repeat(64) } })).toString('base64url')}.`,
      ),
      expect: 'bad_signature',
    },
  ];
  return {
    description:
      'Capability verification vectors: verify `token` with `public_key_pem` for `context`; expect "ok" or the reason.',
    public_key_pem: pem,
    kid,
    context: {
      audience: 'gatehouse',
      subject: base.sub,
      server: 'everything',
      tool: 'get-sum',
      tool_sha256: PIN,
      args: ARGS,
      now_seconds: NOW,
      max_lifetime_seconds: 300,
      clock_skew_seconds: 0,
    },
    cases,
  };
}

if (process.argv[1]?.endsWith('capability-vectors.ts')) {
  writeFileSync(VECTOR_PATH, `${JSON.stringify(await buildVectors(), null, 2)}\n`);
}
