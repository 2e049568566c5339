/**
 * @module Sealed `Mcp-Session-Id`s. The session state (who opened it, which protocol revision, when) is
 * AES-256-GCM encrypted into the id itself, so any instance, before or after a restart, can serve any session
 * with no shared session table. The id binds the principal: a
 * session id is never authentication (MCP security best practices, "session hijacking"), and one presented
 * with another principal's credential is refused.
 */
import { openJson, sealJson } from './sealed.ts';

const PREFIX = 'ghs1.';
const AAD = Buffer.from('gatehouse mcp session v1');

export interface McpSession {
  principalId: string;
  protocolVersion: string;
  issuedAt: number;
  /** The endpoint the session was opened on (`/mcp`, a server or a virtual server): a session serves only there. */
  endpoint: string;
  /** The client capabilities declared at `initialize` (which server-to-client requests it can answer). */
  clientCapabilities: Record<string, unknown>;
}

/** Ids kept opened: enough for every session active on an instance at once, bounded so a flood cannot grow it. */
const OPENED_LIMIT = 4096;

export class SessionSealer {
  private readonly key: Buffer;
  private readonly maxAgeMs: number;
  /**
   * Each request of a session presents the same id, and decrypting it was a measurable share of a relayed
   * `tools/call`. Only ids that opened are kept (a forged one is decrypted, and refused, every time); the id is the
   * authenticated ciphertext of its state, so the same id always opens to the same session, and age is checked on
   * every use.
   */
  private readonly opened = new Map<string, Readonly<McpSession>>();

  constructor(key: Buffer, maxAgeMs = 24 * 60 * 60 * 1000) {
    if (key.length !== 32) throw new RangeError('the session key must be 32 bytes');
    this.key = key;
    this.maxAgeMs = maxAgeMs;
  }

  seal(session: McpSession): string {
    return sealJson(this.key, AAD, PREFIX, {
      p: session.principalId,
      v: session.protocolVersion,
      t: session.issuedAt,
      e: session.endpoint,
      c: session.clientCapabilities,
    });
  }

  /** The session, or null when the id is forged, corrupted, expired or not ours. */
  open(id: string, now = Date.now()): Readonly<McpSession> | null {
    const session = this.opened.get(id) ?? this.decrypt(id);
    if (session === null || now - session.issuedAt > this.maxAgeMs || session.issuedAt > now + 60_000) return null;
    if (!this.opened.has(id)) {
      if (this.opened.size >= OPENED_LIMIT) this.opened.delete(this.opened.keys().next().value as string);
      this.opened.set(id, session);
    }
    return session;
  }

  private decrypt(id: string): Readonly<McpSession> | null {
    const opened = openJson(this.key, AAD, PREFIX, id);
    if (opened === null || typeof opened !== 'object') return null;
    const parsed = opened as { p?: unknown; v?: unknown; t?: unknown; e?: unknown; c?: unknown };
    if (typeof parsed.p !== 'string' || typeof parsed.v !== 'string' || typeof parsed.t !== 'number') return null;
    const capabilities = typeof parsed.c === 'object' && parsed.c !== null ? (parsed.c as Record<string, unknown>) : {};
    return Object.freeze({
      principalId: parsed.p,
      protocolVersion: parsed.v,
      issuedAt: parsed.t,
      endpoint: typeof parsed.e === 'string' ? parsed.e : '/mcp',
      clientCapabilities: capabilities,
    });
  }

  /** The key, for deriving other sealers' keys (request state) from the same secret. */
  get secret(): Buffer {
    return this.key;
  }
}
