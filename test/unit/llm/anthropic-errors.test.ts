import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG } from '../../../src/http/errors.ts';
import { ANTHROPIC_ERROR_TYPES, AnthropicDialect } from '../../../src/llm/index.ts';

/** The error types Anthropic's API documents; its SDKs show them and pick exception classes by status. */
const ANTHROPIC_TYPES = new Set([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'billing_error',
  'api_error',
  'overloaded_error',
]);

describe('Anthropic error envelope', () => {
  it('maps every catalog type to a type Anthropic documents', () => {
    for (const entry of Object.values(ERROR_CATALOG)) {
      expect(ANTHROPIC_TYPES.has(ANTHROPIC_ERROR_TYPES[entry.type] ?? '')).toBe(true);
    }
  });

  it('renders the catalog entry in the Anthropic envelope, code and status kept', () => {
    const fields = { status: 413, type: 'invalid_request_error', code: 'body_too_large', message: 'big', param: null };
    expect(AnthropicDialect.errorBody(fields)).toEqual({
      type: 'error',
      error: { type: 'request_too_large', message: 'big', code: 'body_too_large', param: null },
    });
    const quota = { ...fields, status: 429, type: 'insufficient_quota', code: 'budget_exceeded' };
    expect(AnthropicDialect.errorBody(quota)).toMatchObject({ error: { type: 'billing_error' } });
  });
});
