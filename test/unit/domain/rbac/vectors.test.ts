import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import bindingVectors from '../../../../contracts/vectors/rbac/bindings.json' with { type: 'json' };
import matrixVectors from '../../../../contracts/vectors/rbac/matrix.json' with { type: 'json' };
import roleVectors from '../../../../contracts/vectors/rbac/roles.json' with { type: 'json' };
import scopeVectors from '../../../../contracts/vectors/rbac/scopes.json' with { type: 'json' };
import {
  type Binding,
  BindingSchema,
  createPolicyEngine,
  isScope,
  parseScope,
  type Role,
  RoleSchema,
  ScopeSchema,
  scopeDepth,
  validateRole,
} from '../../../../src/domain/rbac/index.ts';

interface VectorFile {
  schema: string;
  valid: { case: string; value: unknown }[];
  invalid: { case: string; value: unknown }[];
}

interface MatrixCase {
  name: string;
  bindings: Binding[];
  roles?: Role[];
  principal: string;
  permission: string;
  scope: string;
  expected: { decision: 'allow' | 'deny'; binding_id: string | null };
}

const files: [VectorFile, TSchema][] = [
  [scopeVectors as VectorFile, ScopeSchema],
  [roleVectors as VectorFile, RoleSchema],
  [bindingVectors as VectorFile, BindingSchema],
];

describe.each(files)('contract vectors: $0.schema', (file, schema) => {
  it('has both valid and invalid cases', () => {
    expect(file.valid.length).toBeGreaterThan(0);
    expect(file.invalid.length).toBeGreaterThan(0);
  });

  it.each(file.valid)('accepts: $case', ({ value }) => {
    expect([...Value.Errors(schema, value)]).toEqual([]);
  });

  it.each(file.invalid)('rejects: $case', ({ value }) => {
    expect(Value.Check(schema, value)).toBe(false);
  });
});

describe('scope vectors agree with the scope parser', () => {
  const file = scopeVectors as VectorFile;
  it.each(file.valid)('parses: $case', ({ value }) => {
    expect(isScope(value as string)).toBe(true);
    expect(parseScope(value as string)).not.toBeNull();
  });
  it.each(file.invalid.filter((entry) => typeof entry.value === 'string'))('refuses: $case', ({ value }) => {
    expect(isScope(value as string)).toBe(false);
    expect(parseScope(value as string)).toBeNull();
  });
});

describe('role vectors agree with validateRole', () => {
  const file = roleVectors as VectorFile;
  const custom = file.valid.map((entry) => entry.value as Role);
  it.each(file.valid)('valid: $case', ({ value }) => {
    expect(validateRole(value, custom)).toEqual({ ok: true });
  });
  it.each(file.invalid)('invalid: $case', ({ value }) => {
    expect(validateRole(value, custom).ok).toBe(false);
  });
});

describe('scope-matching matrix', () => {
  const cases = (matrixVectors as { cases: MatrixCase[] }).cases;

  it('every case uses contract-valid roles and bindings', () => {
    for (const entry of cases) {
      for (const binding of entry.bindings) expect(Value.Check(BindingSchema, binding), entry.name).toBe(true);
      for (const role of entry.roles ?? []) expect(Value.Check(RoleSchema, role), entry.name).toBe(true);
    }
  });

  it.each(cases)('$name', (entry) => {
    const engine = createPolicyEngine({ roles: entry.roles ?? [], bindings: entry.bindings });
    const decision = engine.authorize(entry.principal, entry.permission, entry.scope);
    expect({ decision: decision.decision, binding_id: decision.binding_id }).toEqual(entry.expected);
    expect(decision.permission).toBe(entry.permission);
    expect(decision.scope).toBe(entry.scope);
  });

  it('covers allow and deny, each scope depth, and binding-less denies', () => {
    const decisions = new Set(cases.map((entry) => entry.expected.decision));
    expect(decisions).toEqual(new Set(['allow', 'deny']));
    const depths = new Set(cases.flatMap((entry) => entry.bindings.map((binding) => scopeDepth(binding.scope))));
    expect(depths).toEqual(new Set([0, 1, 2]));
    expect(cases.some((entry) => entry.expected.binding_id === null)).toBe(true);
  });
});
