/**
 * @module `x-mcp-header` declarations of a tool's input schema (SEP-2243, MCP 2026-07-28 transports §Custom
 * Request Headers) and the `Mcp-Param-*` headers they call for. The gateway checks a client's headers against them
 * and sends its own, built from the arguments it relays, to a 2026 upstream: intermediaries route on these headers,
 * so they must agree with the body on both hops.
 */
import { isObject } from './wire.ts';

export interface ParamHeaderDeclaration {
  path: string[];
  header: string;
  type: string | undefined;
}

/** Properties reachable through `properties` chains that declare `x-mcp-header` (the only places it may appear). */
export function paramHeaderDeclarations(
  schema: unknown,
  path: string[] = [],
  out: ParamHeaderDeclaration[] = [],
): ParamHeaderDeclaration[] {
  if (!isObject(schema) || !isObject(schema.properties)) return out;
  for (const [name, property] of Object.entries(schema.properties)) {
    if (!isObject(property)) continue;
    const header = property['x-mcp-header'];
    if (typeof header === 'string' && header.length > 0) {
      out.push({ path: [...path, name], header, type: typeof property.type === 'string' ? property.type : undefined });
    }
    paramHeaderDeclarations(property, [...path, name], out);
  }
  return out;
}

export function valueAt(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const key of path) value = isObject(value) ? value[key] : undefined;
  return value;
}

/** The header form of a primitive argument; null for anything that is not mirrored. */
export function headerString(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** Visible ASCII with no leading or trailing space goes as is; anything else as `=?base64?…?=` (SEP-2243). */
const SAFE_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

export function encodeHeaderValue(value: string): string {
  if (SAFE_VALUE.test(value) && !value.startsWith('=?base64?')) return value;
  return `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** The `Mcp-Param-*` headers a call with these arguments carries. */
export function mirrorParamHeaders(inputSchema: unknown, args: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const declaration of paramHeaderDeclarations(inputSchema)) {
    const value = headerString(valueAt(args, declaration.path));
    if (value !== null) headers[`Mcp-Param-${declaration.header}`] = encodeHeaderValue(value);
  }
  return headers;
}
