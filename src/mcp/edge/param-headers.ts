/**
 * @module `Mcp-Param-*` headers of a 2026-07-28 `tools/call` (SEP-2243): a tool argument whose schema property
 * carries `x-mcp-header: Name` must be mirrored as `Mcp-Param-Name`, so intermediaries can route on it; the server
 * must reject a header that disagrees with the body (400, -32020 HeaderMismatch). The gateway is that server for its
 * clients, so it checks against the tool definition it lists; values may be wrapped as `=?base64?…?=`.
 */
import { headerString, paramHeaderDeclarations, valueAt } from '../param-mirror.ts';
import type { McpService } from '../service.ts';
import { isObject, type JsonObject } from '../wire.ts';
import type { ModernExchange } from './modern-edge.ts';
import type { RpcErrorObject } from './rpc.ts';

const HEADER_MISMATCH = -32020;
const SENTINEL = /^=\?base64\?(.*)\?=$/;
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The header's value, unwrapped from `=?base64?…?=`; null when the wrapping holds no canonical Base64 UTF-8. */
export function decodeHeaderValue(value: string): string | null {
  const wrapped = SENTINEL.exec(value);
  if (!wrapped) return value;
  const payload = wrapped[1] ?? '';
  if (!CANONICAL_BASE64.test(payload)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(payload, 'base64'));
  } catch {
    return null;
  }
}

function mismatch(header: string, body: string): RpcErrorObject {
  return {
    code: HEADER_MISMATCH,
    message: `Bad Request: the request headers and body disagree: ${body}`,
    data: { mismatch: { header, body } },
  };
}

/** Null when every declared header agrees with the arguments; else the -32020 error to answer with. */
export async function checkParamHeaders(
  service: McpService,
  exchange: ModernExchange,
  params: JsonObject,
): Promise<RpcErrorObject | null> {
  const listed = await service.list(exchange.principal, exchange.view, 'tools/list').catch(() => null);
  const tool = listed?.items.find((item) => item.name === params.name);
  if (!tool) return null;
  const args = isObject(params.arguments) ? params.arguments : {};
  for (const declaration of paramHeaderDeclarations(tool.inputSchema)) {
    const value = valueAt(args, declaration.path);
    const body = headerString(value);
    if (body === null) continue;
    const name = `Mcp-Param-${declaration.header}`;
    const raw = exchange.request.header(name.toLowerCase());
    if (raw === undefined)
      return mismatch(name, `${declaration.path.join('.')} is ${JSON.stringify(value)} but ${name} is absent`);
    const decoded = decodeHeaderValue(raw.trim());
    if (decoded === null) return mismatch(name, `${name} carries an invalid Base64 value`);
    const numeric = typeof value === 'number' && (declaration.type === 'integer' || declaration.type === 'number');
    const equal = numeric ? decoded.trim() !== '' && Number(decoded) === value : decoded === body;
    if (!equal)
      return mismatch(name, `${name} is ${JSON.stringify(decoded)} but the body has ${JSON.stringify(value)}`);
  }
  return null;
}
