import { describe, expect, it } from 'vitest';
import {
  AuditEventSchema,
  ChainSealer,
  describeAuditEventError,
  isAuditEvent,
} from '../../../../src/domain/audit/index.ts';
import { makeDraft } from './fixtures.ts';

const valid = new ChainSealer('chain-a').seal(makeDraft());

describe('AuditEventSchema (DESIGN §2 invariant 2)', () => {
  it('is the audit-event contract: $id set, closed to extra properties', () => {
    expect(AuditEventSchema.$id).toBe('audit-event');
    expect(AuditEventSchema.additionalProperties).toBe(false);
  });

  it('accepts a sealed event, with or without usage.cost_usd', () => {
    expect(isAuditEvent(valid)).toBe(true);
    const priced = { ...valid, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, cost_usd: 0.5 } };
    expect(isAuditEvent(priced)).toBe(true);
    expect(describeAuditEventError(valid)).toBeNull();
  });

  it('accepts every nullable member as null and empty meta', () => {
    const bare = { ...valid, principal: null, authz: null, upstream: null, usage: null, error_code: null, meta: {} };
    expect(isAuditEvent(bare)).toBe(true);
  });

  it.each([null, undefined, 42, 'event', [], {}, [valid]])('rejects a non-event: %j', (value) => {
    expect(isAuditEvent(value)).toBe(false);
    expect(describeAuditEventError(value)).not.toBeNull();
  });

  it.each([
    ['latency_ms NaN', { latency_ms: Number.NaN }],
    ['latency_ms Infinity', { latency_ms: Number.POSITIVE_INFINITY }],
    ['meta number NaN', { meta: { x: Number.NaN } }],
    ['ts month 13', { ts: '2026-13-01T00:00:00.000Z' }],
    ['ts hour 24', { ts: '2026-11-22T24:00:00.000Z' }],
    ['ts with microseconds', { ts: '2026-11-22T12:00:00.000000Z' }],
    ['path as full URL', { path: 'https://gatehouse.example/v1/models' }],
    ['path with fragment', { path: '/v1/models#x' }],
    ['status below 100', { status: 99 }],
    ['seq beyond safe integers', { seq: 2 ** 53 }],
    ['empty surface', { surface: '' }],
    ['upstream attempts fraction', { upstream: { id: 'u', target: null, attempts: 0.5 } }],
    [
      'authz decision unknown',
      { authz: { decision: 'maybe', permission: null, scope: null, binding_id: null, reason: null } },
    ],
  ])('rejects %s', (_name, patch) => {
    expect(isAuditEvent({ ...valid, ...patch })).toBe(false);
  });

  it('names the first failing field', () => {
    const error = describeAuditEventError({ ...valid, principal: { ...valid.principal, type: 'robot' } });
    expect(error?.path).toMatch(/^\/principal/);
  });
});
