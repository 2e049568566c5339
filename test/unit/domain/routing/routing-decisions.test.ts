import { describe, expect, it } from 'vitest';
import {
  applyReasoningTokenField,
  classifyStatus,
  classifyTransportError,
  collectGroups,
  computeBackoffMs,
  createAttemptPlan,
  createKeyRing,
  createModelMatcher,
  createTargetHealth,
  DEFAULT_ROUTING_POLICY,
  type ModelGroupSpec,
  orderTargets,
  parseRetryAfterMs,
  type TargetSpec,
} from '../../../../src/domain/routing/index.ts';

const targets: TargetSpec[] = [
  { upstream: 'a', model: 'm', weight: 3 },
  { upstream: 'b', model: 'm', weight: 1 },
];

describe('orderTargets', () => {
  it('is deterministic per request id and covers every target', () => {
    const first = orderTargets({ targets, requestId: 'req-1', strategy: 'weighted-hash' });
    expect(orderTargets({ targets, requestId: 'req-1', strategy: 'weighted-hash' })).toEqual(first);
    expect([...first].sort()).toEqual([0, 1]);
  });

  it('spreads requests in proportion to weight', () => {
    let onA = 0;
    for (let i = 0; i < 4000; i++) {
      if (orderTargets({ targets, requestId: `req-${i}`, strategy: 'weighted-hash' })[0] === 0) onA++;
    }
    // Expected share 3/4; the bound is loose enough to hold for any decent hash.
    expect(onA / 4000).toBeGreaterThan(0.7);
    expect(onA / 4000).toBeLessThan(0.8);
  });

  it('puts zero-weight targets last', () => {
    const withZero: TargetSpec[] = [{ upstream: 'z', model: 'm', weight: 0 }, ...targets];
    for (let i = 0; i < 50; i++) {
      expect(orderTargets({ targets: withZero, requestId: `r${i}`, strategy: 'weighted-hash' }).at(-1)).toBe(0);
    }
  });

  it('least-busy prefers the target with the lowest load per weight', () => {
    const load: Record<string, number> = { 'a/m': 6, 'b/m': 1 };
    const order = orderTargets({ targets, requestId: 'x', strategy: 'least-busy', inFlight: (key) => load[key] ?? 0 });
    expect(order[0]).toBe(1);
    load['a/m'] = 2;
    expect(
      orderTargets({ targets, requestId: 'x', strategy: 'least-busy', inFlight: (key) => load[key] ?? 0 })[0],
    ).toBe(0);
  });
});

describe('attempt plan', () => {
  const groups: Record<string, ModelGroupSpec> = {
    main: { name: 'main', targets, fallbacks: ['backup', 'main'], retries: 2 },
    backup: { name: 'backup', targets: [{ upstream: 'c', model: 'n' }], fallbacks: ['main'], retries: 0 },
  };
  const input = (overrides = {}) => ({
    primary: groups.main as ModelGroupSpec,
    resolveGroup: (name: string) => groups[name],
    requestId: 'r',
    defaultStrategy: 'weighted-hash' as const,
    defaultRetries: 2,
    maxAttempts: 10,
    ...overrides,
  });

  it('collects fallbacks once, even through cycles', () => {
    expect(collectGroups(groups.main as ModelGroupSpec, (name) => groups[name]).map((group) => group.name)).toEqual([
      'main',
      'backup',
    ]);
  });

  it('alternates targets, then moves to the fallback group', () => {
    const plan = createAttemptPlan(input());
    const seen: string[] = [];
    for (let next = plan.next(() => true); next !== null; next = plan.next(() => true)) {
      seen.push(`${next.key}${next.fallback ? '*' : ''}`);
    }
    expect(seen).toHaveLength(4);
    expect(new Set(seen.slice(0, 2))).toEqual(new Set(['a/m', 'b/m']));
    expect(seen[2]).toBe(seen[0]);
    expect(seen[3]).toBe('c/n*');
  });

  it('skips unavailable targets and honours the global cap', () => {
    const plan = createAttemptPlan(input({ maxAttempts: 2 }));
    expect(plan.next((_target, key) => key !== 'a/m')?.key).toBe('b/m');
    expect(plan.next((_target, key) => key !== 'a/m')?.key).toBe('b/m');
    expect(plan.next(() => true)).toBeNull();
    const none = createAttemptPlan(input());
    expect(none.next(() => false)).toBeNull();
  });
});

describe('target health (circuit breaker)', () => {
  it('opens after the threshold, half-opens after the cooldown, closes on success', () => {
    const health = createTargetHealth({ failureThreshold: 2, cooldownMs: 1000 });
    health.recordFailure('t', 0);
    expect(health.isAvailable('t', 1)).toBe(true);
    health.recordFailure('t', 10);
    expect(health.isAvailable('t', 11)).toBe(false);
    expect(health.cooldownRemaining('t', 510)).toBe(500);
    expect(health.isAvailable('t', 1010)).toBe(true);
    health.recordFailure('t', 1020);
    expect(health.isAvailable('t', 1021)).toBe(false);
    health.recordSuccess('t');
    expect(health.isAvailable('t', 1021)).toBe(true);
  });

  it('opens at once for an explicit cooldown (Retry-After)', () => {
    const health = createTargetHealth({ failureThreshold: 5, cooldownMs: 1000 });
    health.recordFailure('t', 0, 30_000);
    expect(health.isAvailable('t', 29_999)).toBe(false);
    expect(health.isAvailable('t', 30_000)).toBe(true);
  });
});

describe('key ring', () => {
  it('rotates round-robin and skips cooling keys', () => {
    const ring = createKeyRing(['k0', 'k1', 'k2']);
    expect([ring.pick(0)?.key, ring.pick(0)?.key, ring.pick(0)?.key, ring.pick(0)?.key]).toEqual([
      'k0',
      'k1',
      'k2',
      'k0',
    ]);
    ring.cooldown(1, 100);
    expect([ring.pick(0)?.key, ring.pick(0)?.key]).toEqual(['k2', 'k0']);
    ring.cooldown(0, 100);
    ring.cooldown(2, 100);
    expect(ring.pick(50)).toBeNull();
    expect(ring.hasAvailable(50)).toBe(false);
    expect(ring.pick(100)?.key).toBeDefined();
  });

  it('hands out no key for keyless upstreams', () => {
    const ring = createKeyRing([]);
    expect(ring.pick(0)).toEqual({ index: -1, key: null });
    expect(ring.hasAvailable(0)).toBe(true);
    ring.cooldown(5, 100);
  });
});

describe('failure classification', () => {
  it('maps undici error codes', () => {
    expect(classifyTransportError('UND_ERR_CONNECT_TIMEOUT').code).toBe('upstream_timeout');
    expect(classifyTransportError('UND_ERR_HEADERS_TIMEOUT').code).toBe('upstream_timeout');
    expect(classifyTransportError('UND_ERR_BODY_TIMEOUT').code).toBe('upstream_timeout');
    expect(classifyTransportError('UND_ERR_SOCKET')).toMatchObject({ code: 'upstream_unavailable', retryable: true });
    expect(classifyTransportError('ECONNREFUSED').code).toBe('upstream_unavailable');
    expect(classifyTransportError(undefined).code).toBe('upstream_unavailable');
  });

  it('maps statuses, charging keys when there are keys to rotate', () => {
    expect(classifyStatus(429, 2)).toMatchObject({
      retryable: true,
      penalizeKey: 'rate_limited',
      penalizeTarget: false,
    });
    expect(classifyStatus(429, 0)).toMatchObject({ penalizeKey: null, penalizeTarget: true });
    expect(classifyStatus(401, 1)).toMatchObject({ code: 'upstream_auth_failed', penalizeKey: 'unauthorized' });
    expect(classifyStatus(503, 0)).toMatchObject({ code: 'upstream_unavailable', retryable: true });
    expect(classifyStatus(400, 0)).toMatchObject({ code: 'upstream_rejected', retryable: false });
    expect(classifyStatus(501, 0).retryable).toBe(false);
  });

  it('computes bounded, jittered backoff', () => {
    expect(computeBackoffMs(0, 100, 2000, 0)).toBe(50);
    expect(computeBackoffMs(0, 100, 2000, 1)).toBe(100);
    expect(computeBackoffMs(10, 100, 2000, 1)).toBe(2000);
    expect(computeBackoffMs(3, 0, 2000, 0.5)).toBe(0);
  });

  it('parses Retry-After seconds, dates and the -ms extension, and ignores junk', () => {
    expect(parseRetryAfterMs('7', undefined, 0)).toBe(7000);
    expect(parseRetryAfterMs(undefined, '250', 0)).toBe(250);
    expect(parseRetryAfterMs('Thu, 01 Jan 1970 00:00:10 GMT', undefined, 4000)).toBe(6000);
    expect(parseRetryAfterMs('soon', undefined, 0)).toBeNull();
    expect(parseRetryAfterMs(undefined, undefined, 0)).toBeNull();
  });
});

describe('reasoning models', () => {
  const isReasoning = createModelMatcher(DEFAULT_ROUTING_POLICY.reasoning_models);

  it('matches the o-series and gpt-5 families, with or without a provider prefix', () => {
    for (const name of ['o1', 'o1-mini', 'o3-mini-2025-01-31', 'o4-mini', 'gpt-5', 'gpt-5-nano', 'openai/o3']) {
      expect(isReasoning(name)).toBe(true);
    }
    for (const name of ['gpt-4o', 'gpt-4o-mini', 'llama3.1:8b', 'o10', 'solo1']) {
      expect(isReasoning(name)).toBe(false);
    }
  });

  it('moves max_tokens without overriding an explicit max_completion_tokens, and keeps other fields', () => {
    expect(applyReasoningTokenField({ max_tokens: 5, x: 1 })).toEqual({ max_completion_tokens: 5, x: 1 });
    expect(applyReasoningTokenField({ max_tokens: 5, max_completion_tokens: 9 })).toEqual({ max_completion_tokens: 9 });
    const untouched = { x: 1 };
    expect(applyReasoningTokenField(untouched)).toBe(untouched);
  });
});
