import { describe, expect, it } from 'vitest';
import { outcomeForStatus } from '../../../../src/domain/audit/index.ts';

describe('outcomeForStatus', () => {
  it.each([
    [200, 'success'],
    [204, 'success'],
    [304, 'success'],
    [400, 'client_error'],
    [401, 'unauthenticated'],
    [403, 'denied'],
    [404, 'client_error'],
    [413, 'client_error'],
    [429, 'rate_limited'],
    [500, 'error'],
    [502, 'error'],
    [503, 'error'],
    [504, 'error'],
  ] as const)('maps %i to %s', (status, outcome) => {
    expect(outcomeForStatus(status)).toBe(outcome);
  });

  it('calls 502 and 504 upstream_error only when the upstream failed', () => {
    expect(outcomeForStatus(502, { upstreamFailed: true })).toBe('upstream_error');
    expect(outcomeForStatus(504, { upstreamFailed: true })).toBe('upstream_error');
    expect(outcomeForStatus(503, { upstreamFailed: true })).toBe('error');
    expect(outcomeForStatus(500, { upstreamFailed: true })).toBe('error');
    expect(outcomeForStatus(200, { upstreamFailed: true })).toBe('success');
  });

  it('lets a policy denial override the status', () => {
    expect(outcomeForStatus(200, { denied: true })).toBe('denied');
    expect(outcomeForStatus(404, { denied: true })).toBe('denied');
  });

  it('lets an abort win over everything', () => {
    expect(outcomeForStatus(200, { aborted: true })).toBe('aborted');
    expect(outcomeForStatus(403, { aborted: true, denied: true })).toBe('aborted');
    expect(outcomeForStatus(502, { aborted: true, upstreamFailed: true })).toBe('aborted');
  });

  it('ignores hints set to false', () => {
    expect(outcomeForStatus(200, { aborted: false, denied: false, upstreamFailed: false })).toBe('success');
  });

  it.each([0, 99, 600, 1000, -1, 200.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'maps the impossible status %d to error instead of throwing',
    (status) => {
      expect(outcomeForStatus(status)).toBe('error');
    },
  );
});
