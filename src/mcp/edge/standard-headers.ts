/**
 * @module The standard headers of a 2026-07-28 request (SEP-2243): `MCP-Protocol-Version` must be present and
 * name a revision this endpoint serves (else 400, -32022 with the supported list), `Mcp-Method` must be present,
 * and `Mcp-Name` must carry `params.name` (tools/call, prompts/get) or `params.uri` (resources/read) when the body
 * has one (else 400, -32020). The SDK classifier has already compared whatever headers are present with the body;
 * this adds the checks for absent ones. Header values are compared after trimming optional whitespace (RFC 9110
 * §5.5) and case-sensitively.
 */
import { isObject, MODERN_VERSION } from '../wire.ts';
import type { EdgeRequest } from './exchange.ts';
import { decodeHeaderValue } from './param-headers.ts';
import type { RpcErrorObject } from './rpc.ts';

const HEADER_MISMATCH = -32020;
const UNSUPPORTED_VERSION = -32022;
const NAME_SOURCE: Record<string, 'name' | 'uri'> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

function mismatch(header: string, body: string): RpcErrorObject {
  return {
    code: HEADER_MISMATCH,
    message: `Bad Request: the request headers and body disagree: ${body}`,
    data: { mismatch: { header, body } },
  };
}

export function checkClaimedVersion(claimed: string | undefined): RpcErrorObject | null {
  if (claimed === MODERN_VERSION) return null;
  return {
    code: UNSUPPORTED_VERSION,
    message: `Unsupported protocol version: ${claimed ?? 'unknown'}`,
    data: { supported: [MODERN_VERSION], requested: claimed ?? 'unknown' },
  };
}

export function checkStandardHeaders(request: EdgeRequest, method: string, params: unknown): RpcErrorObject | null {
  if (request.header('mcp-protocol-version') === undefined) {
    return mismatch('(missing)', 'the body carries a per-request envelope but MCP-Protocol-Version is absent');
  }
  if (request.header('mcp-method') === undefined) {
    return mismatch('(missing)', `the body names method ${method} but the Mcp-Method header is absent`);
  }
  const field = NAME_SOURCE[method];
  if (field === undefined) return null;
  const value = isObject(params) ? params[field] : undefined;
  if (typeof value !== 'string') return null;
  const header = request.header('mcp-name');
  if (header === undefined)
    return mismatch('(missing)', `the body carries params.${field}="${value}" but Mcp-Name is absent`);
  const decoded = decodeHeaderValue(header.trim());
  if (decoded === null) return mismatch(header, 'the Mcp-Name header carries an invalid Base64 value');
  if (decoded !== value)
    return mismatch(header, `the body carries params.${field}="${value}" but Mcp-Name names "${decoded}"`);
  return null;
}

/** Methods the 2026-07-28 revision removed: answered 404 -32601 like unknown ones (SEP-2575). */
export const REMOVED_METHODS = [
  'initialize',
  'ping',
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
];
