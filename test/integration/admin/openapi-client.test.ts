/**
 * The OpenAPI document is complete where the console and the CLI depend on it, and the checked-in admin client is
 * what the document generates today. (Every 2xx answer of every integration test is also checked against its
 * declared response schema: `validateResponses` in the test gateway.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_TYPES_PATH, renderClientTypes } from '../../../scripts/generate-client.ts';
import { servedOpenApiDocument } from '../../../scripts/openapi-document.ts';

type Operation = { operationId: string; requestBody?: unknown; responses: Record<string, unknown> };

describe('OpenAPI completeness and the generated admin client', () => {
  it('gives every admin, console and ops operation its success response, and every admin write its body', async () => {
    const document = await servedOpenApiDocument();
    const missing: string[] = [];
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, Operation>>)) {
      if (!/^\/(admin\/|console|healthz|readyz|metrics|openapi\.json|docs|$)/.test(path)) continue;
      for (const [method, op] of Object.entries(item)) {
        const success = Object.keys(op.responses).filter((status) => /^[23]\d\d$/.test(status));
        if (success.length === 0) missing.push(`${method.toUpperCase()} ${path}: no success response`);
        if (['post', 'put', 'patch'].includes(method) && op.requestBody === undefined) {
          missing.push(`${method.toUpperCase()} ${path}: no request body`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('matches the checked-in client types (regenerate with npm run client)', async () => {
    expect(await renderClientTypes()).toBe(readFileSync(CLIENT_TYPES_PATH, 'utf8'));
  });
});
