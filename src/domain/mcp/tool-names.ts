/**
 * @module Namespaced tool names for the aggregated endpoint.
 *
 * LLM tool-calling APIs accept only `^[a-zA-Z0-9_-]{1,64}$` while MCP allows 128 characters and `.`
 * (reference §A.8: `server:tool` names broke Claude, docker/mcp-gateway#228). A namespaced name is
 * `<server>__<tool>` when that already fits; otherwise the tool part is cut and suffixed with a hash of the
 * original, so two distinct tools never share a name and the mapping is deterministic on every instance.
 * Reversal goes through the table built from the same listing (`buildToolNameTable`), never by parsing.
 */
import { sha256Hex } from '../capabilities/canonical.ts';
import { SERVER_ID_PATTERN } from '../capabilities/server-id.ts';

export const LLM_TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
export { SERVER_ID_PATTERN };

const SERVER_ID = new RegExp(SERVER_ID_PATTERN);
export const NAMESPACE_SEPARATOR = '__';
const MAX_NAME = 64;
const HASH_LENGTH = 10;

export function isServerId(value: string): boolean {
  return SERVER_ID.test(value);
}

/** The client-facing name of `tool` on `server`; always matches `LLM_TOOL_NAME`. */
export function namespaceToolName(server: string, tool: string): string {
  if (!isServerId(server)) throw new RangeError(`invalid MCP server id: ${server}`);
  const plain = `${server}${NAMESPACE_SEPARATOR}${tool}`;
  if (LLM_TOOL_NAME.test(plain)) return plain;
  const suffix = sha256Hex(tool).slice(0, HASH_LENGTH);
  const safe = tool.replace(/[^a-zA-Z0-9_-]/g, '_');
  const room = MAX_NAME - server.length - NAMESPACE_SEPARATOR.length - 1 - HASH_LENGTH;
  return `${server}${NAMESPACE_SEPARATOR}${safe.slice(0, Math.max(room, 0))}_${suffix}`;
}

export interface NamespacedTool {
  server: string;
  tool: string;
}

/**
 * Maps client-facing names back to (server, tool). Two tools that still collide after hashing (a SHA-256
 * prefix collision) are both left out rather than one silently shadowing the other.
 */
export function buildToolNameTable(entries: readonly NamespacedTool[]): Map<string, NamespacedTool> {
  const table = new Map<string, NamespacedTool>();
  const clashes = new Set<string>();
  for (const entry of entries) {
    const name = namespaceToolName(entry.server, entry.tool);
    const existing = table.get(name);
    if (existing && (existing.server !== entry.server || existing.tool !== entry.tool)) clashes.add(name);
    table.set(name, entry);
  }
  for (const name of clashes) table.delete(name);
  return table;
}
