/**
 * @module Console sign-in sessions. The browser holds a random 256-bit session id in an HttpOnly, Secure,
 * SameSite=Strict cookie and nothing else: no admin token or JWT is ever readable by the console's scripts, so an
 * injected script cannot exfiltrate a credential that outlives the page. The store keeps only SHA-256 of the id.
 *
 * A session stands for one principal, resolved again on every request:
 * - `token`: the admin token pasted at sign-in, by id. Revoking the token (or disabling its user) ends the session.
 * - `oidc`: the subject and role claims of the ID token from the authorization-code login.
 *
 * Cookie-authenticated writes need the session's CSRF token (HMAC of the session id under a key derived from the
 * pepper): the console reads it from `GET /console/session` and sends it as a header that a cross-site form or
 * image cannot set.
 */
import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { digestsEqual } from '../domain/keys/index.ts';
import type { Principal } from '../domain/principal.ts';
import { type ConsoleSessionRecord, consoleSessionsRepository, type Store } from '../store/index.ts';
import type { AdminSnapshot } from './admin-snapshot.ts';
import type { ClaimBinding, JwtPrincipal } from './jwt-verifier.ts';
import { parseRolesClaim } from './jwt-verifier.ts';

/** 8 hours: a working day, after which the operator signs in again (OWASP session management: absolute timeout). */
export const CONSOLE_SESSION_TTL_MS = 8 * 60 * 60 * 1000;

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export type SessionFailure = 'session_invalid' | 'session_expired' | 'identity_unavailable' | 'key_revoked';

export type SessionAuthResult =
  | { ok: true; principal: Principal; csrf: string; kind: 'token' | 'oidc'; expiresAt: number }
  | { ok: false; reason: SessionFailure };

export interface IssuedSession {
  /** The cookie value; shown to the browser once, in Set-Cookie. */
  id: string;
  csrf: string;
  expiresAt: number;
}

export interface OidcSessionInput {
  issuer: string;
  subject: string;
  name: string;
  claimBindings: readonly ClaimBinding[];
  tenantId: string | null;
  teamId: string | null;
  /** The ID token's own expiry caps the session. */
  expiresAt: number | null;
}

function hashId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

export class ConsoleSessions {
  readonly #store: Store;
  readonly #admin: AdminSnapshot;
  readonly #csrfKey: Buffer;
  readonly #ttlMs: number;

  constructor(options: { store: Store; admin: AdminSnapshot; pepper: Buffer; ttlMs?: number }) {
    this.#store = options.store;
    this.#admin = options.admin;
    // Derived, not stored (as the MCP session key): every instance computes it, nothing new to rotate.
    this.#csrfKey = Buffer.from(hkdfSync('sha256', options.pepper, Buffer.alloc(0), 'gatehouse console csrf v1', 32));
    this.#ttlMs = options.ttlMs ?? CONSOLE_SESSION_TTL_MS;
  }

  #csrfOf(idHash: string): string {
    return createHmac('sha256', this.#csrfKey).update(idHash).digest('base64url');
  }

  async #issue(
    kind: 'token' | 'oidc',
    subject: string,
    claims: Record<string, unknown>,
    cap: number | null,
  ): Promise<IssuedSession> {
    const id = randomBytes(32).toString('base64url');
    const idHash = hashId(id);
    const now = Date.now();
    const expiresAt = Math.min(now + this.#ttlMs, cap ?? Number.POSITIVE_INFINITY);
    const record: ConsoleSessionRecord = { idHash, kind, subject, claims, createdAt: now, expiresAt, revokedAt: null };
    await consoleSessionsRepository.insertConsoleSession(this.#store.write, record);
    await consoleSessionsRepository.deleteExpiredConsoleSessions(this.#store.write, now);
    return { id, csrf: this.#csrfOf(idHash), expiresAt };
  }

  /** Signs in with an admin token; the session follows the token (its expiry caps the session's). */
  async signInWithToken(token: string): Promise<
    | { ok: true; session: IssuedSession; principal: Principal }
    | {
        ok: false;
        reason: 'invalid_api_key' | 'key_revoked' | 'key_expired' | 'identity_unavailable';
      }
  > {
    const result = await this.#admin.authenticate(token);
    if (!result.ok) return { ok: false, reason: result.reason };
    const tokenId = this.#admin.tokenIdOf(token);
    if (tokenId === null) return { ok: false, reason: 'invalid_api_key' };
    const session = await this.#issue('token', tokenId, {}, result.principal.expiresAt);
    return { ok: true, session, principal: result.principal };
  }

  async signInWithOidc(input: OidcSessionInput): Promise<IssuedSession> {
    const claims = {
      name: input.name,
      roles: input.claimBindings.map((b) => `${b.role}@${b.scope}`),
      tenant_id: input.tenantId,
      team_id: input.teamId,
    };
    return this.#issue('oidc', `${input.issuer}#${input.subject}`, claims, input.expiresAt);
  }

  /** Resolves a cookie value: unknown or malformed ids are `session_invalid`, never a hint of which. */
  async authenticate(id: string, now = Date.now()): Promise<SessionAuthResult> {
    if (!SESSION_ID.test(id)) return { ok: false, reason: 'session_invalid' };
    const idHash = hashId(id);
    let record: ConsoleSessionRecord | null;
    try {
      record = await consoleSessionsRepository.findConsoleSession(this.#store.read, idHash);
    } catch {
      return { ok: false, reason: 'identity_unavailable' };
    }
    if (record === null || !digestsEqual(record.idHash, idHash)) return { ok: false, reason: 'session_invalid' };
    if (record.revokedAt !== null) return { ok: false, reason: 'session_invalid' };
    if (record.expiresAt <= now) return { ok: false, reason: 'session_expired' };
    const csrf = this.#csrfOf(idHash);
    if (record.kind === 'token') {
      const result = this.#admin.authenticateTokenId(record.subject, now);
      if (!result.ok) {
        return { ok: false, reason: result.reason === 'identity_unavailable' ? 'identity_unavailable' : 'key_revoked' };
      }
      return { ok: true, principal: result.principal, csrf, kind: 'token', expiresAt: record.expiresAt };
    }
    return { ok: true, principal: oidcPrincipal(record), csrf, kind: 'oidc', expiresAt: record.expiresAt };
  }

  async signOut(id: string): Promise<void> {
    if (!SESSION_ID.test(id)) return;
    await consoleSessionsRepository.revokeConsoleSession(this.#store.write, hashId(id));
  }
}

function oidcPrincipal(record: ConsoleSessionRecord): JwtPrincipal {
  const claims = record.claims as { name?: unknown; roles?: unknown; tenant_id?: unknown; team_id?: unknown };
  const claimBindings = parseRolesClaim(claims.roles);
  return {
    type: 'jwt',
    id: record.subject,
    tenantId: typeof claims.tenant_id === 'string' ? claims.tenant_id : null,
    teamId: typeof claims.team_id === 'string' ? claims.team_id : null,
    name: typeof claims.name === 'string' ? claims.name : record.subject,
    settings: {},
    expiresAt: record.expiresAt,
    claimBindings,
    scopes: null,
  };
}
