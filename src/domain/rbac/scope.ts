/**
 * @module Scopes: `platform` ⊃ `org:<uuid>` ⊃ `org:<uuid>/team:<uuid>` (DESIGN §4).
 *
 * Scopes are compared as exact strings, so only the canonical lowercase form is accepted: an
 * uppercase UUID would otherwise name the same org twice and let a deny written one way miss a
 * request spelled the other way.
 */

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** JSON Schema / ECMA-262 pattern for a scope; a team exists only under an org. */
export const SCOPE_PATTERN_SOURCE = `^(platform|org:${UUID}(/team:${UUID})?)$`;
const SCOPE_RE = new RegExp(SCOPE_PATTERN_SOURCE);

export const PLATFORM_SCOPE = 'platform';

export type ParsedScope =
  | { kind: 'platform' }
  | { kind: 'org'; org: string }
  | { kind: 'team'; org: string; team: string };

const ORG_PREFIX_LENGTH = 'org:'.length;
const TEAM_SEPARATOR = '/team:';

export function isScope(scope: string): boolean {
  return SCOPE_RE.test(scope);
}

/** Parses a canonical scope string; anything else (uppercase, `team:` alone, nested orgs) is null. */
export function parseScope(scope: string): ParsedScope | null {
  if (!SCOPE_RE.test(scope)) return null;
  if (scope === PLATFORM_SCOPE) return { kind: 'platform' };
  const separator = scope.indexOf(TEAM_SEPARATOR);
  if (separator === -1) return { kind: 'org', org: scope.slice(ORG_PREFIX_LENGTH) };
  return {
    kind: 'team',
    org: scope.slice(ORG_PREFIX_LENGTH, separator),
    team: scope.slice(separator + TEAM_SEPARATOR.length),
  };
}

export function formatScope(scope: ParsedScope): string {
  if (scope.kind === 'platform') return PLATFORM_SCOPE;
  if (scope.kind === 'org') return `org:${scope.org}`;
  return `org:${scope.org}${TEAM_SEPARATOR}${scope.team}`;
}

/** 0 for platform, 1 for an org, 2 for a team; null when the string is not a scope. */
export function scopeDepth(scope: string): number | null {
  if (!SCOPE_RE.test(scope)) return null;
  if (scope === PLATFORM_SCOPE) return 0;
  return scope.includes(TEAM_SEPARATOR) ? 2 : 1;
}

/**
 * The scope itself and every scope that covers it, most specific first. Resolution walks this
 * chain, so its order is what makes the most specific binding win.
 */
export function scopeChain(scope: string): string[] | null {
  if (!SCOPE_RE.test(scope)) return null;
  if (scope === PLATFORM_SCOPE) return [PLATFORM_SCOPE];
  const separator = scope.indexOf(TEAM_SEPARATOR);
  if (separator === -1) return [scope, PLATFORM_SCOPE];
  return [scope, scope.slice(0, separator), PLATFORM_SCOPE];
}

/** Whether a binding at `bindingScope` applies to a resource at `resourceScope`; invalid input never does. */
export function scopeCovers(bindingScope: string, resourceScope: string): boolean {
  return scopeChain(resourceScope)?.includes(bindingScope) === true;
}
