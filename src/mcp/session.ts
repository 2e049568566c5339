/**
 * @module Sealed `Mcp-Session-Id`s. The session state (who opened it, which protocol revision, when) is
 * AES-256-GCM encrypted into the id itself, so any instance, before or after a restart, can serve any session
 * with no shared session table. The id binds the principal: a
 * session id is never authentication (MCP security best practices, "session hijacking"), and one presented
 * with another principal's credential is refused.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'ghs1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD = Buffer.from('gatehouse mcp session v1');

export interface McpSession {
  principalId: string;
  protocolVersion: string;
  issuedAt: number;
}

export class SessionSealer {
  private readonly key: Buffer;
  private readonly maxAgeMs: number;

  constructor(key: Buffer, maxAgeMs = 24 * 60 * 60 * 1000) {
    if (key.length !== 32) throw new RangeError('the session key must be 32 bytes');
    this.key = key;
    this.maxAgeMs = maxAgeMs;
  }

  seal(session: McpSession): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(AAD);
    const body = JSON.stringify({ p: session.principalId, v: session.protocolVersion, t: session.issuedAt });
    const ciphertext = Buffer.concat([cipher.update(body, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
  }

  /** The session, or null when the id is forged, corrupted, expired or not ours. */
  open(id: string, now = Date.now()): McpSession | null {
    if (!id.startsWith(PREFIX) || id.length > 1024) return null;
    const raw = Buffer.from(id.slice(PREFIX.length), 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES + 2) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(AAD);
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
      const parsed = JSON.parse(text.toString('utf8')) as { p?: unknown; v?: unknown; t?: unknown };
      if (typeof parsed.p !== 'string' || typeof parsed.v !== 'string' || typeof parsed.t !== 'number') return null;
      if (now - parsed.t > this.maxAgeMs || parsed.t > now + 60_000) return null;
      return { principalId: parsed.p, protocolVersion: parsed.v, issuedAt: parsed.t };
    } catch {
      return null;
    }
  }
}
