/**
 * @module The `requestState` the gateway hands a 2026-07-28 client with an `input_required` result. It is sealed
 * (AES-256-GCM, key derived from the session key), names who may bring it back and for which request (principal,
 * endpoint, method, tool/prompt/URI), expires, and is good once (its nonce is consumed in shared state, so a
 * replay on any instance is refused). Inside is either the upstream server's own `requestState` (stateless
 * relay) or the id of a call suspended on this instance (a 2025 upstream waiting for the client's answer).
 * MCP 2026-07-28 basic §Multi-Round-Trip Requests: servers MUST treat `requestState` as untrusted input.
 */
import { hkdfSync, randomUUID } from 'node:crypto';
import { openJson, sealJson } from '../sealed.ts';

const PREFIX = 'ghr1.';
const AAD = Buffer.from('gatehouse mcp request state v1');
/** How long a client has to come back with its input. */
export const REQUEST_STATE_TTL_MS = 10 * 60_000;

export interface RequestStateBinding {
  principalId: string;
  endpoint: string;
  method: string;
  /** The tool or prompt name, or the resource URI, the request named. */
  target: string;
}

export type RequestStateInner = { kind: 'upstream'; state: string | null } | { kind: 'suspended'; id: string };

export interface OpenedRequestState extends RequestStateBinding {
  inner: RequestStateInner;
  nonce: string;
  expiresAt: number;
}

export class RequestStateSealer {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'gatehouse mcp request state v1', 32));
  }

  seal(binding: RequestStateBinding, inner: RequestStateInner, now = Date.now()): string {
    return sealJson(this.key, AAD, PREFIX, {
      p: binding.principalId,
      e: binding.endpoint,
      m: binding.method,
      t: binding.target,
      i: inner,
      x: now + REQUEST_STATE_TTL_MS,
      j: randomUUID(),
    });
  }

  /** The state, or a reason it is refused (forged, expired, or brought back for another request or caller). */
  open(token: string, binding: RequestStateBinding, now = Date.now()): OpenedRequestState | string {
    const opened = openJson(this.key, AAD, PREFIX, token, 64 * 1024) as Record<string, unknown> | null;
    if (opened === null || typeof opened !== 'object') return 'not a requestState this gateway issued';
    if (typeof opened.x !== 'number' || opened.x < now) return 'expired';
    if (opened.p !== binding.principalId || opened.e !== binding.endpoint)
      return 'issued to another caller or endpoint';
    if (opened.m !== binding.method || opened.t !== binding.target) return 'issued for another request';
    const inner = opened.i as RequestStateInner;
    return { ...binding, inner, nonce: String(opened.j), expiresAt: opened.x };
  }
}
