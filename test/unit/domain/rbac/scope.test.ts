import { describe, expect, it } from 'vitest';
import {
  formatScope,
  isScope,
  PLATFORM_SCOPE,
  parseScope,
  scopeChain,
  scopeCovers,
  scopeDepth,
} from '../../../../src/domain/rbac/index.ts';

const ORG = '0190a000-0000-7000-8000-00000000000a';
const OTHER_ORG = '0190a000-0000-7000-8000-00000000000b';
const TEAM = '0190a000-0000-7000-8000-0000000000a1';
const OTHER_TEAM = '0190a000-0000-7000-8000-0000000000a2';
const org = `org:${ORG}`;
const team = `${org}/team:${TEAM}`;

const malformed = [
  '',
  'Platform',
  'platform ',
  `org:${ORG.toUpperCase()}`,
  `team:${TEAM}`,
  `${org}/org:${OTHER_ORG}`,
  `${team}/team:${OTHER_TEAM}`,
  `platform/${org}`,
  `${org}/`,
  'org:acme',
  `org:${ORG}x`,
];

describe('parseScope', () => {
  it('parses each kind', () => {
    expect(parseScope('platform')).toEqual({ kind: 'platform' });
    expect(parseScope(org)).toEqual({ kind: 'org', org: ORG });
    expect(parseScope(team)).toEqual({ kind: 'team', org: ORG, team: TEAM });
  });

  it('round-trips through formatScope', () => {
    for (const scope of [PLATFORM_SCOPE, org, team]) {
      const parsed = parseScope(scope);
      expect(parsed && formatScope(parsed)).toBe(scope);
    }
  });

  it.each(malformed)('returns null for %j', (scope) => {
    expect(parseScope(scope)).toBeNull();
    expect(isScope(scope)).toBe(false);
    expect(scopeDepth(scope)).toBeNull();
    expect(scopeChain(scope)).toBeNull();
  });
});

describe('scopeDepth and scopeChain', () => {
  it('orders platform < org < team', () => {
    expect([scopeDepth('platform'), scopeDepth(org), scopeDepth(team)]).toEqual([0, 1, 2]);
  });

  it('lists the scope and its ancestors, most specific first', () => {
    expect(scopeChain('platform')).toEqual(['platform']);
    expect(scopeChain(org)).toEqual([org, 'platform']);
    expect(scopeChain(team)).toEqual([team, org, 'platform']);
  });
});

describe('scopeCovers', () => {
  it.each([
    ['platform', 'platform', true],
    ['platform', org, true],
    ['platform', team, true],
    [org, org, true],
    [org, team, true],
    [team, team, true],
    [org, 'platform', false],
    [team, org, false],
    [team, 'platform', false],
    [org, `org:${OTHER_ORG}`, false],
    [org, `org:${OTHER_ORG}/team:${TEAM}`, false],
    [team, `${org}/team:${OTHER_TEAM}`, false],
    [`org:${OTHER_ORG}/team:${TEAM}`, team, false],
  ])('%s covers %s → %s', (binding, resource, expected) => {
    expect(scopeCovers(binding, resource)).toBe(expected);
  });

  it('is false whenever either side is malformed', () => {
    for (const bad of malformed) {
      expect(scopeCovers(bad, team)).toBe(false);
      expect(scopeCovers('platform', bad)).toBe(false);
    }
    expect(scopeCovers(`org:${ORG.slice(0, 8)}`, team)).toBe(false);
  });
});
