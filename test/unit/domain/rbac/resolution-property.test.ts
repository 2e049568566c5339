import { describe, expect, it } from 'vitest';
import {
  type Binding,
  BUILTIN_ROLES,
  createPolicyEngine,
  type Decision,
  matchPermission,
  PERMISSIONS,
  type Role,
  scopeCovers,
  scopeDepth,
} from '../../../../src/domain/rbac/index.ts';

/** mulberry32: a tiny seeded PRNG, so a failure reproduces from the printed seed. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function shuffle<T>(random: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const uuid = (prefix: string, n: number): string => `${prefix}-0000-7000-8000-${String(n).padStart(12, '0')}`;
const ORGS = [1, 2].map((n) => `org:${uuid('0190a000', n)}`);
const SCOPES = ['platform', ...ORGS, ...ORGS.flatMap((org) => [1, 2].map((n) => `${org}/team:${uuid('0190a001', n)}`))];
const PRINCIPALS = [1, 2, 3].map((n) => `user:${uuid('0190c000', n)}`);
const PERMISSION_NAMES = PERMISSIONS.map((entry) => entry.name);
const CUSTOM_ROLES: Role[] = [
  { name: 'chat', permissions: ['llm.chat'] },
  { name: 'reads', permissions: ['*.*.read'], includes: ['chat'] },
  { name: 'ops', permissions: ['ops.*', 'admin.audit.*'], includes: ['reads'] },
];
const ROLES = new Map([...BUILTIN_ROLES, ...CUSTOM_ROLES].map((role) => [role.name, role]));
const ROLE_NAMES = [...ROLES.keys()];

function generateBindings(random: () => number): Binding[] {
  const count = Math.floor(random() * 14);
  const ids = shuffle(
    random,
    Array.from({ length: 40 }, (_, n) => uuid('0190b000', n)),
  ).slice(0, count);
  return ids.map((id) => ({
    id,
    principal: pick(random, PRINCIPALS),
    role: pick(random, ROLE_NAMES),
    scope: pick(random, SCOPES),
    effect: random() < 0.3 ? 'deny' : 'allow',
  }));
}

/** The rule exactly as written in DESIGN §4, over raw patterns: a scan, no index. */
function resolveNaively(bindings: readonly Binding[], principal: string, permission: string, scope: string) {
  const grants = (name: string): boolean => {
    const role = ROLES.get(name) as Role;
    return role.permissions.some((p) => matchPermission(p, permission)) || (role.includes ?? []).some(grants);
  };
  const candidates = bindings.filter((b) => b.principal === principal && scopeCovers(b.scope, scope) && grants(b.role));
  if (candidates.length === 0) return { decision: 'deny', binding_id: null };
  const depth = Math.max(...candidates.map((b) => scopeDepth(b.scope) as number));
  const top = candidates.filter((b) => scopeDepth(b.scope) === depth);
  const lowest = (list: Binding[]): string => list.map((b) => b.id).sort()[0] as string;
  const denies = top.filter((b) => b.effect === 'deny');
  if (denies.length > 0) return { decision: 'deny', binding_id: lowest(denies) };
  return { decision: 'allow', binding_id: lowest(top) };
}

const outcome = (decision: Decision) => ({ decision: decision.decision, binding_id: decision.binding_id });

describe('resolution properties (seeded random policies)', () => {
  const seeds = Array.from({ length: 150 }, (_, n) => 0x5eed + n * 7919);

  it.each(seeds)('seed %i: independent of binding order, and equal to the naive rule', (seed) => {
    const random = createRandom(seed);
    const bindings = generateBindings(random);
    const engine = createPolicyEngine({ roles: CUSTOM_ROLES, bindings });
    const reordered = createPolicyEngine({ roles: shuffle(random, CUSTOM_ROLES), bindings: shuffle(random, bindings) });
    const reversed = createPolicyEngine({ roles: CUSTOM_ROLES, bindings: [...bindings].reverse() });
    const mismatches: unknown[] = [];
    for (const principal of PRINCIPALS) {
      for (const permission of PERMISSION_NAMES) {
        for (const scope of SCOPES) {
          const results = [
            outcome(engine.authorize(principal, permission, scope)),
            outcome(reordered.authorize(principal, permission, scope)),
            outcome(reversed.authorize(principal, permission, scope)),
            resolveNaively(bindings, principal, permission, scope),
          ];
          const [first] = results;
          if (results.some((r) => r.decision !== first?.decision || r.binding_id !== first?.binding_id)) {
            mismatches.push({ principal, permission, scope, results });
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('exercises allows, denies and empty results across the seeds', () => {
    const seen = new Set<string>();
    for (const seed of seeds.slice(0, 20)) {
      const random = createRandom(seed);
      const bindings = generateBindings(random);
      const engine = createPolicyEngine({ roles: CUSTOM_ROLES, bindings });
      for (const principal of PRINCIPALS) {
        for (const scope of SCOPES) {
          const decision = engine.authorize(principal, 'llm.chat', scope);
          seen.add(decision.reason);
        }
      }
    }
    expect(seen).toEqual(new Set(['allow_binding', 'deny_binding', 'no_binding']));
  });
});
