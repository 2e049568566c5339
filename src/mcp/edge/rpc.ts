/**
 * @module JSON-RPC error bodies and the renderer the HTTP layer injects: gateway refusals (`McpFailure`) are
 * rendered from the error catalog, which lives in `src/http/errors.ts`, so the edge takes the renderer as an
 * argument instead of importing it.
 */
import type { RequestId } from '../wire.ts';

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** Renders any failure of a relayed request as a JSON-RPC error object (rethrows nothing). */
export type ErrorRenderer = (error: unknown) => RpcErrorObject;

export function rpcError(id: RequestId | null, code: number, message: string, data?: unknown) {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}
