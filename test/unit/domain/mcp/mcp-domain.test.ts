import { describe, expect, it } from 'vitest';
import {
  buildToolNameTable,
  canonicalSha256,
  checkOriginAndHost,
  compileToolPolicy,
  decideToolCall,
  evaluatePredicate,
  isToolVisible,
  judgePin,
  LLM_TOOL_NAME,
  namespaceToolName,
  pinToolDefinition,
  resolvePointer,
} from '../../../../src/domain/mcp/index.ts';

const noSchema = () => true;

describe('tool-name namespacing', () => {
  it('keeps short valid names readable and makes every name LLM-safe, distinct and reversible', () => {
    expect(namespaceToolName('everything', 'get-sum')).toBe('everything__get-sum');
    const awkward = ['a.b', 'a_b', 'x'.repeat(128), `${'x'.repeat(127)}y`, 'día', 'a b'];
    const names = awkward.map((tool) => namespaceToolName('srv', tool));
    for (const name of names) expect(name).toMatch(LLM_TOOL_NAME);
    expect(new Set(names).size).toBe(names.length);
    const table = buildToolNameTable(awkward.map((tool) => ({ server: 'srv', tool })));
    for (const tool of awkward) expect(table.get(namespaceToolName('srv', tool))).toEqual({ server: 'srv', tool });
    expect(() => namespaceToolName('Bad__Id', 'x')).toThrow(RangeError);
  });

  it('never lets two servers collide on the same tool name', () => {
    const table = buildToolNameTable([
      { server: 'a', tool: 'echo' },
      { server: 'b', tool: 'echo' },
    ]);
    expect([...table.keys()].sort()).toEqual(['a__echo', 'b__echo']);
  });
});

describe('argument predicates', () => {
  const args = { path: '/reports/q3.csv', n: 5, tags: ['a', 'b'], nested: { 'x/y': true } };
  it.each([
    [{ path: '/n', op: 'lte', value: 5 }, true],
    [{ path: '/n', op: 'gt', value: 5 }, false],
    [{ path: '/n', op: 'lt', value: '9' }, false],
    [{ path: '/path', op: 'prefix', value: '/reports/' }, true],
    [{ path: '/path', op: 'like', value: '/reports/*.csv' }, true],
    [{ path: '/path', op: 'like', value: '/secret/*' }, false],
    [{ path: '/tags', op: 'eq', value: ['a', 'b'] }, true],
    [{ path: '/tags/1', op: 'in', value: ['b', 'c'] }, true],
    [{ path: '/tags', op: 'max_length', value: 1 }, false],
    [{ path: '/nested/x~1y', op: 'eq', value: true }, true],
    [{ path: '/missing', op: 'absent' }, true],
    [{ path: '/missing', op: 'ne', value: 1 }, false],
    [{ path: '/n', op: 'not_in', value: [1, 2] }, true],
  ] as const)('%j → %s', (predicate, expected) => {
    expect(evaluatePredicate(args, predicate as never)).toBe(expected);
  });
  it('resolves JSON Pointers per RFC 6901', () => {
    expect(resolvePointer({ a: [{ '~b': 1 }] }, '/a/0/~0b')).toBe(1);
    expect(typeof resolvePointer({ a: [] }, '/a/01')).toBe('symbol');
  });
});

describe('team tool policy', () => {
  const policy = compileToolPolicy({
    rules: [
      { server: '*', tools: ['*env*'], effect: 'deny' },
      { server: 'fs', tools: ['read_*'], args: [{ path: '/path', op: 'prefix', value: '/data/' }] },
      { server: 'fs', tools: ['write_file'], require_capability: true, rate_limit_per_minute: 10 },
    ],
  });
  it('denies by default and filters listings with the same rules that enforce calls', () => {
    expect(isToolVisible(compileToolPolicy({ rules: [] }), 'fs', 'read_file')).toBe(false);
    expect(isToolVisible(policy, 'fs', 'read_file')).toBe(true);
    expect(isToolVisible(policy, 'fs', 'get_env')).toBe(false);
    expect(isToolVisible(policy, 'other', 'read_file')).toBe(false);
    expect(decideToolCall(policy, 'fs', 'read_file', { path: '/data/a' }, noSchema)).toMatchObject({
      decision: 'allow',
    });
    expect(decideToolCall(policy, 'fs', 'read_file', { path: '/etc/passwd' }, noSchema)).toEqual({
      decision: 'deny',
      reason: 'arguments',
      ruleIndex: 1,
    });
    expect(decideToolCall(policy, 'fs', 'print_env', {}, noSchema)).toMatchObject({ reason: 'denied_by_rule' });
    expect(decideToolCall(policy, 'fs', 'delete', {}, noSchema)).toMatchObject({ reason: 'no_rule' });
    expect(decideToolCall(policy, 'fs', 'write_file', {}, noSchema)).toMatchObject({
      requireCapability: true,
      rateLimitPerMinute: 10,
    });
  });
  it('checks args_schema through the injected validator', () => {
    const withSchema = compileToolPolicy({ rules: [{ server: 's', tools: ['t'], args_schema: { type: 'object' } }] });
    expect(decideToolCall(withSchema, 's', 't', {}, () => false)).toMatchObject({ reason: 'arguments' });
  });
});

describe('definition pinning', () => {
  const tool = { name: 't', description: 'd', inputSchema: { type: 'object', properties: { a: {}, b: {} } } };
  it('hashes canonical JSON, so key order does not matter but any change does', () => {
    const reordered = { inputSchema: { properties: { b: {}, a: {} }, type: 'object' }, description: 'd', name: 't' };
    expect(pinToolDefinition(reordered)).toBe(pinToolDefinition(tool));
    expect(pinToolDefinition({ ...tool, description: 'd!' })).not.toBe(pinToolDefinition(tool));
    expect(pinToolDefinition({ ...tool, annotations: { destructiveHint: true } })).not.toBe(pinToolDefinition(tool));
    expect(canonicalSha256({ b: 1, a: 2 })).toBe(canonicalSha256({ a: 2, b: 1 }));
  });
  it('trusts on first use (or quarantines in manual mode) and quarantines any later change', () => {
    expect(judgePin(null, 'h1', 'tofu')).toMatchObject({ status: 'approved', changed: true });
    expect(judgePin(null, 'h1', 'manual')).toMatchObject({ status: 'quarantined' });
    const approved = { approvedSha256: 'h1', pendingSha256: null };
    expect(judgePin(approved, 'h1', 'tofu')).toMatchObject({ status: 'approved', changed: false });
    expect(judgePin(approved, 'h2', 'tofu')).toMatchObject({
      status: 'quarantined',
      record: { approvedSha256: 'h1', pendingSha256: 'h2' },
      changed: true,
    });
    expect(judgePin({ approvedSha256: 'h1', pendingSha256: 'h2' }, 'h1', 'tofu')).toMatchObject({
      status: 'approved',
      changed: true,
    });
  });
});

describe('Origin and Host checks', () => {
  const local = { allowedOrigins: [], allowedHosts: [], loopbackOnly: true };
  it.each([
    [local, '127.0.0.1:8080', undefined, true],
    [local, 'localhost:8080', 'http://localhost:8080', true],
    [local, 'evil.example', undefined, false],
    [local, '127.0.0.1:8080', 'https://evil.example', false],
    [local, '127.0.0.1:8080', 'null', false],
    [{ ...local, allowedOrigins: ['https://app.example'] }, '127.0.0.1', 'https://app.example', true],
    [{ allowedOrigins: [], allowedHosts: ['gw.example'], loopbackOnly: false }, 'other.example', undefined, false],
    [{ allowedOrigins: [], allowedHosts: [], loopbackOnly: false }, 'gw.example', 'https://gw.example', true],
  ])('%j host=%s origin=%s → %s', (policy, host, origin, ok) => {
    expect(checkOriginAndHost(policy, host, origin).ok).toBe(ok);
  });
});
