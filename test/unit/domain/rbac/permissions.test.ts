import { describe, expect, it } from 'vitest';
import {
  expandPermissionPattern,
  isPermission,
  isPermissionPattern,
  matchPermission,
  PERMISSIONS,
} from '../../../../src/domain/rbac/index.ts';

const names = PERMISSIONS.map((entry) => entry.name);

describe('permission catalog', () => {
  it('lists each permission once, with a one-line description', () => {
    expect(new Set(names).size).toBe(names.length);
    for (const entry of PERMISSIONS) {
      expect(entry.description.length).toBeGreaterThan(0);
      expect(entry.description).not.toContain('\n');
      expect(isPermissionPattern(entry.name)).toBe(true);
      expect(entry.name).not.toContain('*');
    }
  });

  it('holds the names the surfaces depend on', () => {
    for (const name of ['llm.chat', 'mcp.tools.call', 'vault.proxy', 'identity.read', 'admin.audit.verify']) {
      expect(isPermission(name)).toBe(true);
    }
    expect(names.filter((name) => name.startsWith('admin.') && name.endsWith('.write'))).toHaveLength(11);
    expect(isPermission('admin.prices.write')).toBe(true);
  });

  it('knows nothing else', () => {
    for (const name of ['', 'llm', 'llm.*', 'LLM.CHAT', 'llm.chat ', 'admin.keys.delete', '__proto__', 'toString']) {
      expect(isPermission(name)).toBe(false);
    }
  });
});

describe('permission patterns', () => {
  it.each(['*', 'llm.*', 'admin.*.read', '*.read', 'admin.keys.*', 'llm.chat', 'a_b.c1'])('accepts %s', (pattern) => {
    expect(isPermissionPattern(pattern)).toBe(true);
  });

  it.each([
    '',
    'llm*',
    '*llm',
    '**',
    'llm.**',
    'llm.',
    '.llm',
    'llm..chat',
    'LLM.chat',
    'llm chat',
    'llm/chat',
    '1llm',
  ])('rejects %j', (pattern) => {
    expect(isPermissionPattern(pattern)).toBe(false);
    expect(matchPermission(pattern, 'llm.chat')).toBe(false);
    expect(expandPermissionPattern(pattern)).toMatchObject({ ok: false, code: 'invalid_pattern' });
  });

  it('rejects an over-long pattern', () => {
    expect(isPermissionPattern(`a${'.b'.repeat(100)}`)).toBe(false);
  });
});

describe('matchPermission: dot boundaries only', () => {
  it.each([
    ['*', 'llm.chat', true],
    ['*', 'ops.metrics.read', true],
    ['llm.*', 'llm.chat', true],
    ['llm.*', 'llm.models.read', true],
    ['llm.*', 'llm', false],
    ['llm.*', 'llmx.y', false],
    ['llm.*', 'llmx.chat', false],
    ['admin.*.read', 'admin.keys.read', true],
    ['admin.*.read', 'admin.keys.write', false],
    ['admin.*.read', 'admin.audit.verify', false],
    ['admin.*.read', 'admin.read', false],
    ['admin.*.read', 'admin.a.b.read', false],
    ['*.read', 'llm.models.read', false],
    ['*.*.read', 'llm.models.read', true],
    ['llm.chat', 'llm.chat', true],
    ['llm.chat', 'llm.chat.x', false],
    ['llm.chat', 'llm', false],
  ])('%s vs %s → %s', (pattern, permission, expected) => {
    expect(matchPermission(pattern, permission)).toBe(expected);
  });
});

describe('expandPermissionPattern', () => {
  it('expands against the catalog', () => {
    expect(expandPermissionPattern('llm.*')).toEqual({
      ok: true,
      permissions: [
        'llm.chat',
        'llm.completions',
        'llm.responses',
        'llm.messages',
        'llm.embeddings',
        'llm.models.read',
      ],
    });
    expect(expandPermissionPattern('*')).toEqual({ ok: true, permissions: names });
    const reads = expandPermissionPattern('admin.*.read');
    expect(reads.ok && reads.permissions.every((name) => /^admin\.[a-z]+\.read$/.test(name))).toBe(true);
    expect(reads.ok && reads.permissions.length).toBe(13);
    expect(expandPermissionPattern('*.read')).toEqual({ ok: true, permissions: ['identity.read', 'prompts.read'] });
  });

  it.each(['llm.chat.stream', 'admin.keys.delete', 'billing.*', '*.write', 'llm.*.read.*'])(
    'rejects %s, which matches nothing in the catalog',
    (pattern) => {
      expect(expandPermissionPattern(pattern)).toMatchObject({ ok: false, code: 'unknown_permission' });
    },
  );
});
