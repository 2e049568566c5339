import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * DESIGN §2's invariants, each with an id that tests cite in their names (`[INV-2] …`). This test fails when an
 * invariant has no test citing it, so an invariant cannot silently lose its coverage.
 */
const INVARIANTS = {
  'INV-1': 'every route is a surface in the registry, exported and drift-tested',
  'INV-2': 'every request yields exactly one audit event; the chain detects tampering',
  'INV-3': 'deny by default, fail closed (401/403/503, revocation within 1 s)',
  'INV-4': 'no secret in plaintext at rest or in logs (envelopes, master key checks)',
  'INV-5': 'bad input gets a clear error in the one shape and changes nothing',
  'INV-6': 'nothing bypasses metering (limits, budgets, audit on every surface)',
} as const;

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return testFiles(path);
    return entry.endsWith('.test.ts') ? [path] : [];
  });
}

describe('design invariants', () => {
  const sources = testFiles('test')
    .filter((file) => !file.endsWith('invariants.test.ts'))
    .map((file) => readFileSync(file, 'utf8'));

  for (const [id, text] of Object.entries(INVARIANTS)) {
    it(`${id} (${text}) is cited by at least one test`, () => {
      expect(sources.some((source) => source.includes(`[${id}]`))).toBe(true);
    });
  }
});
