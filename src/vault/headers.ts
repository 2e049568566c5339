/**
 * @module
 * Which headers cross the proxy. Hop-by-hop headers (RFC 9110 §7.6.1, plus those the `Connection` header names)
 * describe one connection, never the next; the agent's own credential and gateway headers must never reach the
 * service; and any header the agent sets under the injected credential's name is dropped so it cannot shadow it.
 */
import type { IncomingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);

const NEVER_FORWARDED = new Set([
  'host',
  'content-length',
  'authorization',
  'expect',
  // The client's view of the hop to Gatehouse is not the service's business, and a forged one must not pass.
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
]);

/** Header values with CR, LF or NUL are refused outright (response splitting, CWE-113). */
export function findInjectedHeader(headers: IncomingHttpHeaders): string | null {
  for (const [name, value] of Object.entries(headers)) {
    const values = Array.isArray(value) ? value : [value ?? ''];
    if (values.some((item) => /[\r\n\0]/.test(item))) return name;
  }
  return null;
}

function connectionTokens(value: string | string[] | undefined): Set<string> {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    joined
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * The headers sent upstream. `accept-encoding` is forced to identity: the response is scanned for the injected
 * credential, and a compressed body would hide an echo from the scan.
 */
export function buildUpstreamHeaders(
  incoming: IncomingHttpHeaders,
  credentialHeader: string | null,
): Record<string, string | string[]> {
  const named = connectionTokens(incoming.connection);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || NEVER_FORWARDED.has(name) || named.has(name)) continue;
    if (name.startsWith('x-gatehouse-') || name === credentialHeader) continue;
    out[name] = value;
  }
  out['accept-encoding'] = 'identity';
  return out;
}

/** The response headers passed back to the agent, each value run through `redact`. */
export function filterResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  redact: (value: string) => string,
): Record<string, string | string[]> {
  const connection = Object.entries(upstream).find(([name]) => name.toLowerCase() === 'connection')?.[1];
  const named = connectionTokens(connection);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named.has(lower) || lower.startsWith('x-gatehouse-')) continue;
    out[lower] = Array.isArray(value) ? value.map(redact) : redact(value);
  }
  return out;
}
