/**
 * Issue 4, the pure pieces of admission wiring: settings → LimitPolicy (defaults merged field by field), CLI flag
 * parsing, and the wire form of rate headers and denials.
 */
import { describe, expect, it } from 'vitest';
import {
  compileScopeSettings,
  InvalidLimitSettingsError,
  mergeLimitSettings,
  parseLimitFlags,
  ScopeLimitCompiler,
} from '../../../src/admission/index.ts';
import { denialError, formatResetDuration, writeRateHeaders } from '../../../src/http/pipeline/admission-errors.ts';
import { ValidationError } from '../../../src/identity/index.ts';

describe('limit settings', () => {
  it('compiles snake_case settings over level defaults into limit policies, per model too', () => {
    const compiled = compileScopeSettings(
      { limits: { rpm: 10, models: { 'gpt-4o': { tpm: 500 } } }, budgets: { usd_monthly: 5 } },
      { limits: { rpm: 99, max_parallel: 2 }, budgets: { tokens_daily: 1000 } },
    );
    expect(compiled.base).toEqual({
      requestsPerMinute: 10,
      maxConcurrency: 2,
      budgets: [
        { window: 'daily', maxTokens: 1000 },
        { window: 'monthly', maxUsd: 5 },
      ],
    });
    expect(compiled.models.get('gpt-4o')).toEqual({ tokensPerMinute: 500 });
    expect(compileScopeSettings({})).toEqual({ base: null, models: new Map() });
  });

  it('caches per settings object and refuses settings that do not validate', () => {
    const compiler = new ScopeLimitCompiler();
    const settings = { limits: { rpm: 3 } };
    expect(compiler.compile('key', 'k', settings)).toBe(compiler.compile('key', 'k', settings));
    expect(() => compiler.compile('team', 't', { limits: { rpm: 'many' } })).toThrow(InvalidLimitSettingsError);
    expect(() => compiler.compile('team', 't', { budgets: { tokens_weekly: 1 } })).toThrow(InvalidLimitSettingsError);
  });

  it('parses CLI flags strictly and merges them into existing settings', () => {
    expect(parseLimitFlags({ rpm: '60', budgetUsdMonthly: '50', budgetTokensTotal: '7' })).toEqual({
      limits: { rpm: 60 },
      budgets: { usd_monthly: 50, tokens_total: 7 },
    });
    expect(parseLimitFlags({})).toEqual({});
    for (const bad of [{ rpm: '-1' }, { rpm: '0' }, { tpm: 'NaN' }, { maxParallel: '2.5' }, { budgetUsdDaily: '' }]) {
      expect(() => parseLimitFlags(bad)).toThrow(ValidationError);
    }
    expect(parseLimitFlags({ budgetTokensDaily: '0' })).toEqual({ budgets: { tokens_daily: 0 } });
    const current = { limits: { rpm: 1, tpm: 2 }, budgets: { usd_total: 3 }, logging: true };
    expect(mergeLimitSettings(current, { limits: { rpm: 5 } })).toEqual({
      limits: { rpm: 5, tpm: 2 },
      budgets: { usd_total: 3 },
      logging: true,
    });
    expect(mergeLimitSettings(current, {}, true)).toEqual({ logging: true });
  });
});

describe('rate headers and denials', () => {
  it('formats resets the way OpenAI does', () => {
    expect(formatResetDuration(0)).toBe('0ms');
    expect(formatResetDuration(120.2)).toBe('121ms');
    expect(formatResetDuration(1500)).toBe('1.5s');
    expect(formatResetDuration(360_000)).toBe('6m0s');
    expect(formatResetDuration(61_250)).toBe('1m1.25s');
  });

  it('writes headers only for the kinds some level limits', () => {
    const headers: Record<string, string> = {};
    writeRateHeaders(
      {
        header(name, value) {
          headers[name] = value;
        },
      },
      { requests: { limit: 60, remaining: 59, resetMs: 1000 }, tokens: null },
    );
    expect(headers).toEqual({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-reset-requests': '1s',
    });
  });

  it('maps each denial kind to its catalog error with Retry-After in whole seconds, rounded up', () => {
    const now = Date.UTC(2026, 10, 22, 13, 0, 0);
    const rate = denialError(
      {
        scope: { level: 'team', id: 't1' },
        kind: 'requests',
        limit: 10,
        unit: null,
        window: null,
        retryAfterMs: 1200,
        resetAt: now + 1200,
      },
      { promptTokens: 0, outputTokens: 0, usd: 0 },
    );
    expect([rate.statusCode, rate.code, rate.headers?.['retry-after']]).toEqual([429, 'rate_limit_exceeded', '2']);
    expect(rate.message).toBe(
      'Rate limit reached for team t1: 10 requests per minute. Retry after 2 s (resets at 2026-11-22T13:00:01.200Z).',
    );
    const budget = denialError(
      {
        scope: { level: 'tenant', id: 'o1' },
        kind: 'budget',
        limit: 2.5,
        unit: 'usd',
        window: 'monthly',
        retryAfterMs: 1000,
        resetAt: Date.UTC(2026, 11, 1),
      },
      { promptTokens: 44, outputTokens: 256, usd: 0.0012 },
    );
    expect([budget.statusCode, budget.type, budget.code]).toEqual([429, 'insufficient_quota', 'budget_exceeded']);
    expect(budget.message).toBe(
      'This request reserves $0.0012 for 300 tokens (prompt estimate 44 + max_tokens 256), which would exceed the monthly USD budget of tenant o1 ($2.5); it resets at 2026-12-01T00:00:00.000Z.',
    );
    const concurrency = denialError(
      {
        scope: { level: 'key', id: 'k', model: 'm' },
        kind: 'concurrency',
        limit: 2,
        unit: null,
        window: null,
        retryAfterMs: 1000,
        resetAt: null,
      },
      { promptTokens: 0, outputTokens: 0, usd: 0 },
    );
    expect(concurrency.message).toContain('key k for model m already has 2 requests in flight');
  });
});
