/**
 * Sealed MCP session ids: an id opens to the state it was sealed from, on every use, and to nothing once it is
 * too old, however many times it opened before (opened ids are kept, so age must be checked on each use).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type McpSession, SessionSealer } from '../../../src/mcp/session.ts';

const HOUR = 60 * 60 * 1000;

function session(issuedAt: number, principalId = 'vk_1'): McpSession {
  return {
    principalId,
    protocolVersion: '2025-06-18',
    issuedAt,
    endpoint: '/mcp',
    clientCapabilities: { elicitation: {} },
  };
}

describe('SessionSealer', () => {
  it('opens an id to what was sealed, the same on every use', () => {
    const sealer = new SessionSealer(randomBytes(32));
    const now = Date.now();
    const id = sealer.seal(session(now));
    expect(sealer.open(id, now)).toEqual(session(now));
    expect(sealer.open(id, now + 1000)).toEqual(session(now));
  });

  it('refuses an id once it is older than the limit, also after it opened before', () => {
    const sealer = new SessionSealer(randomBytes(32), HOUR);
    const now = Date.now();
    const id = sealer.seal(session(now));
    expect(sealer.open(id, now)).not.toBeNull();
    expect(sealer.open(id, now + HOUR + 1)).toBeNull();
    expect(sealer.open(id, now - 2 * 60_000)).toBeNull();
  });

  it('refuses a forged, altered or foreign id every time it is presented', () => {
    const sealer = new SessionSealer(randomBytes(32));
    const other = new SessionSealer(randomBytes(32));
    const now = Date.now();
    const id = sealer.seal(session(now));
    const altered = `${id.slice(0, -2)}${id.endsWith('A') ? 'B' : 'A'}${id.slice(-1)}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(sealer.open(altered, now)).toBeNull();
      expect(sealer.open(other.seal(session(now)), now)).toBeNull();
      expect(sealer.open('ghs1.not-a-session', now)).toBeNull();
    }
  });

  it('keeps opening every session after more than it keeps have opened', () => {
    const sealer = new SessionSealer(randomBytes(32));
    const now = Date.now();
    const ids = Array.from({ length: 5000 }, (_, i) => sealer.seal(session(now, `vk_${i}`)));
    for (const id of ids) expect(sealer.open(id, now)).not.toBeNull();
    expect(sealer.open(ids[0] as string, now)?.principalId).toBe('vk_0');
    expect(sealer.open(ids[4999] as string, now)?.principalId).toBe('vk_4999');
  });
});
