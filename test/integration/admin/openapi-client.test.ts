/**
 * The OpenAPI document is complete where the console and the CLI depend on it, and the checked-in admin client is
 * what the document generates today. (Every 2xx answer of every integration test is also checked against its
 * declared response schema: `validateResponses` in the test gateway.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_TYPES_PATH, renderClientTypes } from '../../../scripts/generate-client.ts';
import { servedOpenApiDocument } from '../../../scripts/openapi-document.ts';

type Operation = {
  operationId: string;
  requestBody?: unknown;
  responses: Record<string, unknown>;
  'x-gatehouse-always-refused'?: boolean;
};

describe('OpenAPI completeness and the generated admin client', () => {
  it('gives every operation its success response and every write its body (routes that only refuse excepted)', async () => {
    const document = await servedOpenApiDocument();
    const missing: string[] = [];
    let refusing = 0;
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, op] of Object.entries(item)) {
        if (op['x-gatehouse-always-refused'] === true) {
          refusing += 1;
          // Documented as what it is: no success, only the refusal.
          expect(Object.keys(op.responses).filter((status) => /^[23]/.test(status))).toEqual([]);
          continue;
        }
        const success = Object.keys(op.responses).filter((status) => /^[23]\d\d$/.test(status));
        if (success.length === 0) missing.push(`${method.toUpperCase()} ${path}: no success response`);
        if (['post', 'put', 'patch'].includes(method) && op.requestBody === undefined) {
          missing.push(`${method.toUpperCase()} ${path}: no request body`);
        }
      }
    }
    expect(missing).toEqual([]);
    // The blocked Ollama management endpoints (every method) and GET /v1/responses/{id}.
    expect(refusing).toBeGreaterThan(0);
  });

  it('matches the checked-in client types (regenerate with npm run client)', async () => {
    expect(await renderClientTypes()).toBe(readFileSync(CLIENT_TYPES_PATH, 'utf8'));
  });
});
