/**
 * @module The console's cookies. `__Host-` names make the browser refuse them unless Secure, Path=/ and host-only
 * (RFC 6265bis §4.1.3.2), so a sibling subdomain cannot plant or overwrite a session.
 */

/** The session id: HttpOnly (no script reads it), Secure, SameSite=Strict (never sent on cross-site requests). */
export const SESSION_COOKIE = '__Host-gatehouse-session';

/**
 * The OIDC login's state, nonce and PKCE verifier, sealed, between the redirect to the IdP and its callback. It is
 * SameSite=Lax because the callback is a top-level navigation from the IdP's site, on which Strict cookies are not
 * sent; it is single-use and lives ten minutes.
 */
export const LOGIN_COOKIE = '__Host-gatehouse-login';

/** The header that carries the session's CSRF token on cookie-authenticated writes. */
export const CSRF_HEADER = 'x-gatehouse-csrf';

const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]{1,4096}$/;

/** The value of one cookie in a `Cookie` header, or null; a malformed value is treated as absent. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (header === undefined || header.length > 16_384) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return COOKIE_VALUE.test(value) ? value : null;
  }
  return null;
}

export function serializeCookie(
  name: string,
  value: string,
  options: { maxAgeSeconds: number; sameSite: 'Strict' | 'Lax'; path?: string },
): string {
  return [
    `${name}=${value}`,
    `Path=${options.path ?? '/'}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    'HttpOnly',
    'Secure',
    `SameSite=${options.sameSite}`,
  ].join('; ');
}

export function clearCookie(name: string, sameSite: 'Strict' | 'Lax'): string {
  return serializeCookie(name, '', { maxAgeSeconds: 0, sameSite });
}
