/**
 * @module
 * Turns the part of an agent's URL after `/vault/{service}` into the upstream request target, or refuses it. The
 * threat is escaping the service's allowed prefix (or its base path) on the upstream: servers and intermediaries
 * normalise `..`, `%2e%2e`, `%2f`, `\` and `//` differently (CVE-2021-41773 in Apache httpd is `%2e` slipping past
 * a check), so anything that *could* be normalised is refused rather than normalised here. The raw bytes the agent
 * sent are forwarded unchanged once accepted, so the check and the upstream see the same path.
 */

export type PathDecision =
  | { ok: true; path: string; query: string; prefix: string }
  | { ok: false; code: 'vault_invalid_path' | 'vault_path_not_allowed'; detail: string };

const MAX_PATH_LENGTH = 4096;
// Encoded dot, slash and backslash: decoding them on the far side is exactly how traversal gets past a prefix check.
const ENCODED_SEPARATOR = /%(2e|2f|5c)/i;
const ENCODED_CONTROL = /%(0[0-9a-f]|1[0-9a-f]|7f)/i;
const BAD_ESCAPE = /%(?![0-9a-f]{2})/i;
// RFC 3986 §3.3 pchar plus "/", and "%" for escapes: nothing else may appear raw in a path.
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
const QUERY_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?%[\]|{}^`]*$/;

function refuse(detail: string): PathDecision {
  return { ok: false, code: 'vault_invalid_path', detail };
}

/** True when `path` is `prefix` itself or lies under it on a segment boundary (`/user` never admits `/users`). */
export function matchesPrefix(path: string, prefix: string): boolean {
  if (prefix.endsWith('/')) return path.startsWith(prefix) || path === prefix.slice(0, -1);
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * Checks `rawUrl` (the request line target, still percent-encoded) for service `serviceId` against its allowed
 * prefixes. `rawUrl` must begin with `/vault/{serviceId}/`.
 */
export function resolveServicePath(rawUrl: string, serviceId: string, allowedPaths: readonly string[]): PathDecision {
  const mount = `/vault/${serviceId}`;
  const queryAt = rawUrl.indexOf('?');
  const rawPath = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const query = queryAt === -1 ? '' : rawUrl.slice(queryAt + 1);
  if (!rawPath.startsWith(`${mount}/`)) return refuse('the service segment must not be encoded');
  const path = rawPath.slice(mount.length);
  if (path.length > MAX_PATH_LENGTH) return refuse('the path is too long');
  if (!PATH_CHARS.test(path)) return refuse('the path contains characters that must be percent-encoded');
  if (BAD_ESCAPE.test(path)) return refuse('the path contains a malformed percent-escape');
  if (ENCODED_CONTROL.test(path) || ENCODED_CONTROL.test(query)) return refuse('control characters are not allowed');
  if (ENCODED_SEPARATOR.test(path)) return refuse('encoded ".", "/" or "\\" is not allowed in the path');
  if (path.includes('//')) return refuse('empty path segments ("//") are not allowed');
  for (const segment of path.split('/')) {
    // `..;` survives some servlet containers' normalisation as `..` (Tomcat path parameters).
    if (segment === '.' || segment === '..' || segment.startsWith('..;') || segment.startsWith('.;')) {
      return refuse('"." and ".." segments are not allowed');
    }
  }
  if (query.length > MAX_PATH_LENGTH || !QUERY_CHARS.test(query)) return refuse('the query string is not acceptable');
  const prefix = allowedPaths.find((candidate) => matchesPrefix(path, candidate));
  if (prefix === undefined) {
    return { ok: false, code: 'vault_path_not_allowed', detail: 'outside the allowed paths' };
  }
  return { ok: true, path, query, prefix };
}

/**
 * Removes every `name=` parameter from a raw query (an agent must not override or shadow the injected one) and
 * appends the credential, percent-encoded.
 */
export function injectQueryParam(query: string, name: string, value: string): string {
  const kept = query.split('&').filter((pair) => pair.length > 0 && safeDecode(pair.split('=')[0] ?? '') !== name);
  kept.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  return kept.join('&');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
}
