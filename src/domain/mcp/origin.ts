/**
 * @module Origin and Host checks for the MCP endpoint. Streamable HTTP servers MUST validate `Origin` and
 * answer 403 to an invalid one (MCP 2025-11-25 basic/transports §Security Warning): without it a web page
 * can drive a local gateway through DNS rebinding.
 */

export interface OriginPolicy {
  /** Exact origins (`https://app.example.com`) allowed besides the gateway's own. */
  allowedOrigins: readonly string[];
  /** Host header values (`gateway.example.com`, `127.0.0.1:8080`) accepted; empty accepts any. */
  allowedHosts: readonly string[];
  /** When the gateway listens on loopback only, a Host naming anything else is a rebinding attempt. */
  loopbackOnly: boolean;
}

export type OriginVerdict = { ok: true } | { ok: false; reason: 'host' | 'origin' };

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i;

/** Browsers send `Origin`; non-browser MCP clients usually do not, and are judged by Host alone. */
export function checkOriginAndHost(
  policy: OriginPolicy,
  host: string | undefined,
  origin: string | undefined,
): OriginVerdict {
  const hostValue = (host ?? '').toLowerCase();
  if (policy.allowedHosts.length > 0 && !policy.allowedHosts.includes(hostValue)) return { ok: false, reason: 'host' };
  if (policy.allowedHosts.length === 0 && policy.loopbackOnly && !LOOPBACK_HOST.test(hostValue)) {
    return { ok: false, reason: 'host' };
  }
  if (origin === undefined) return { ok: true };
  if (policy.allowedOrigins.includes(origin)) return { ok: true };
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return { ok: false, reason: 'origin' };
  }
  if (parsed.host.toLowerCase() === hostValue && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) {
    return { ok: true };
  }
  return { ok: false, reason: 'origin' };
}
