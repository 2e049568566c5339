import type { FastifyReply } from 'fastify';

/**
 * The console's security headers. Scripts and styles only from this origin (no inline script can run, so injected
 * markup stays inert even if it ever reached the page), no framing (clickjacking), no referrer (URLs can carry ids).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin');
}

/** Session answers carry a CSRF token: never cached, never stored by an intermediary. */
export function noStore(reply: FastifyReply): FastifyReply {
  return securityHeaders(reply).header('cache-control', 'no-store');
}
