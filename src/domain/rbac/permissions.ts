/**
 * @module The permission catalog and dot-boundary wildcard patterns (DESIGN §4).
 *
 * Roles are written with patterns but always compiled against this catalog into plain sets, so a
 * request-time check is a set lookup and never runs a matcher. A name missing from the catalog can
 * therefore never be granted, which keeps a typo in a role from silently widening or narrowing it.
 */

export const PERMISSIONS = [
  { name: 'llm.chat', description: 'Call chat completions (OpenAI /v1/chat/completions, Ollama /api/chat).' },
  { name: 'llm.completions', description: 'Call legacy text completions (/v1/completions, /api/generate).' },
  {
    name: 'llm.responses',
    description: 'Call the OpenAI Responses API (/v1/responses, /v1/responses/compact): Codex, the Agents SDK.',
  },
  {
    name: 'llm.messages',
    description:
      'Call the Anthropic Messages API (/v1/messages, /v1/messages/count_tokens): Claude Code, the Anthropic SDKs.',
  },
  { name: 'llm.embeddings', description: 'Create embeddings (/v1/embeddings, /api/embed).' },
  { name: 'llm.models.read', description: 'List and describe the models the caller may use.' },
  { name: 'mcp.servers.read', description: 'List the MCP servers visible to the caller.' },
  { name: 'mcp.tools.read', description: 'Discover MCP tools and their schemas.' },
  { name: 'mcp.tools.call', description: 'Invoke an MCP tool through the gateway.' },
  { name: 'vault.proxy', description: 'Call a third-party API through the credential vault proxy.' },
  { name: 'identity.read', description: 'Read the calling key or principal itself (whoami).' },
  { name: 'admin.tenants.read', description: 'Read tenants (orgs).' },
  { name: 'admin.tenants.write', description: 'Create, update and delete tenants.' },
  { name: 'admin.teams.read', description: 'Read teams.' },
  { name: 'admin.teams.write', description: 'Create, update and delete teams.' },
  { name: 'admin.users.read', description: 'Read users.' },
  { name: 'admin.users.write', description: 'Create, update and delete users.' },
  { name: 'admin.keys.read', description: 'Read virtual keys (never their secret).' },
  { name: 'admin.keys.write', description: 'Issue, update, rotate and revoke virtual keys.' },
  { name: 'admin.roles.read', description: 'Read role definitions.' },
  { name: 'admin.roles.write', description: 'Create, update and delete custom roles.' },
  { name: 'admin.bindings.read', description: 'Read role bindings.' },
  { name: 'admin.bindings.write', description: 'Create and delete role bindings (subject to the escalation guard).' },
  { name: 'admin.llm.read', description: 'Read LLM providers, models and routes.' },
  { name: 'admin.llm.write', description: 'Configure LLM providers, models and routes.' },
  { name: 'admin.prices.read', description: 'Read the model price table cost budgets are charged by.' },
  { name: 'admin.prices.write', description: 'Set and remove model prices (what cost budgets are charged).' },
  { name: 'admin.mcp.read', description: 'Read MCP servers and tool policy.' },
  { name: 'admin.mcp.write', description: 'Configure MCP servers and tool policy.' },
  { name: 'admin.vault.read', description: 'Read vault service definitions.' },
  { name: 'admin.vault.write', description: 'Configure vault service definitions.' },
  { name: 'admin.secrets.read', description: 'Read secret metadata (never plaintext).' },
  { name: 'admin.secrets.write', description: 'Store, replace and delete secrets.' },
  { name: 'admin.usage.read', description: 'Read usage and spend reports.' },
  { name: 'admin.audit.read', description: 'Read audit events.' },
  { name: 'admin.audit.verify', description: 'Verify the audit hash chain.' },
  {
    name: 'prompts.read',
    description:
      'Read logged prompts and completions of keys that opted in. Deliberately outside admin.*: no admin, viewer or auditor role holds it unless granted.',
  },
  { name: 'ops.metrics.read', description: 'Scrape Prometheus metrics.' },
] as const satisfies readonly { name: string; description: string }[];

export type Permission = (typeof PERMISSIONS)[number]['name'];

const CATALOG: ReadonlySet<string> = new Set(PERMISSIONS.map((entry) => entry.name));
const CATALOG_SEGMENTS: readonly (readonly [Permission, readonly string[]])[] = PERMISSIONS.map(
  (entry) => [entry.name, entry.name.split('.')] as const,
);

/**
 * A pattern is dot-separated segments; each is a lowercase name or a lone `*`. `llm*` and `**` are
 * rejected so a wildcard can only ever stop at a dot boundary (`llm.*` never reaches `llmx.y`).
 */
export const PERMISSION_PATTERN_SOURCE = '^(\\*|[a-z][a-z0-9_]*)(\\.(\\*|[a-z][a-z0-9_]*))*$';
const PATTERN_RE = new RegExp(PERMISSION_PATTERN_SOURCE);
const MAX_PATTERN_LENGTH = 128;

export function isPermission(name: string): name is Permission {
  return CATALOG.has(name);
}

export function isPermissionPattern(pattern: string): boolean {
  return pattern.length <= MAX_PATTERN_LENGTH && PATTERN_RE.test(pattern);
}

/**
 * Whether `pattern` grants `permission`. A final `*` matches one or more remaining segments
 * (`llm.*` covers `llm.chat` and `llm.models.read`, `*` covers everything); a `*` elsewhere matches
 * exactly one segment (`admin.*.read`). A pattern never matches its own prefix: `llm.*` ≠ `llm`.
 */
export function matchPermission(pattern: string, permission: string): boolean {
  if (!isPermissionPattern(pattern)) return false;
  return matchSegments(pattern.split('.'), permission.split('.'));
}

function matchSegments(pattern: readonly string[], target: readonly string[]): boolean {
  const last = pattern.length - 1;
  for (let i = 0; i < pattern.length; i++) {
    const segment = pattern[i];
    if (i >= target.length) return false;
    if (segment === '*') {
      if (i === last) return true;
      continue;
    }
    if (segment !== target[i]) return false;
  }
  return pattern.length === target.length;
}

export type PatternExpansion =
  | { ok: true; permissions: readonly Permission[] }
  | { ok: false; code: 'invalid_pattern' | 'unknown_permission'; detail: string };

/** Every catalog permission a pattern grants; a pattern that grants nothing is an error, not a no-op. */
export function expandPermissionPattern(pattern: string): PatternExpansion {
  if (!isPermissionPattern(pattern)) {
    return {
      ok: false,
      code: 'invalid_pattern',
      detail: `"${pattern}" is not a permission pattern (dot-separated names; "*" only as a whole segment)`,
    };
  }
  const segments = pattern.split('.');
  const permissions: Permission[] = [];
  for (const [name, target] of CATALOG_SEGMENTS) {
    if (matchSegments(segments, target)) permissions.push(name);
  }
  if (permissions.length === 0) {
    return { ok: false, code: 'unknown_permission', detail: `"${pattern}" matches no known permission` };
  }
  return { ok: true, permissions };
}
