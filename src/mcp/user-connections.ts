/**
 * @module Connections to per-user OAuth upstreams. Each principal gets its own connection (its own upstream
 * session), whose every HTTP request carries that principal's token for the upstream and nothing of the client's
 * own credentials; a 401 makes it refresh once and retry. The shared connection the registry lists the catalog
 * through sends the token of the principal whose request made it list (tracked per async context), so a
 * listing is never made with the gateway's own identity.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FetchLike } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import type { Principal } from '../domain/principal.ts';
import type { ServerEntry } from './registry.ts';
import { UpstreamConnection } from './upstream.ts';
import type { UserOAuth } from './user-oauth.ts';

/** Idle per-principal connections beyond this many are closed, oldest first. */
const MAX_CONNECTIONS = 1_000;

export class UserConnections {
  readonly #oauth: UserOAuth;
  readonly #logger: Logger;
  readonly #scope = new AsyncLocalStorage<Principal>();
  /** The caller's own OIDC token for the request being served, offered only to servers with token exchange on. */
  readonly #subject = new AsyncLocalStorage<string>();
  readonly #connections = new Map<string, UpstreamConnection>();

  constructor(oauth: UserOAuth, logger: Logger) {
    this.#oauth = oauth;
    this.#logger = logger;
  }

  /** Runs `work` with the principal as the one whose token the shared listing connection sends. */
  as<T>(principal: Principal, work: () => Promise<T>): Promise<T> {
    return this.#scope.run(principal, work);
  }

  /**
   * Runs `work` with the caller's own token available for RFC 8693 exchange. The token lives only in this async
   * context (never in the principal, which is logged and audited) and reaches only a token endpoint of a server
   * configured with `token_exchange`.
   */
  withSubjectToken<T>(token: string, work: () => Promise<T>): Promise<T> {
    return this.#subject.run(token, work);
  }

  /** The token to exchange at `serverId`, when it allows exchange and the caller brought one. */
  #subjectFor(serverId: string): string | null {
    return this.#oauth.exchanges(serverId) ? (this.#subject.getStore() ?? null) : null;
  }

  /** Whether the principal holds a grant, or just obtained one by exchanging its own token. */
  async hasOrExchanges(serverId: string, principal: Principal): Promise<boolean> {
    if (await this.#oauth.holds(serverId, principal.id)) return true;
    const subjectToken = this.#subjectFor(serverId);
    if (subjectToken === null) return false;
    const token = await this.#oauth.usableToken(serverId, principal.id, { subjectToken }).catch(() => null);
    return token !== null;
  }

  /** The fetch of a per-user server's shared connection; other servers keep the default. */
  sharedFetch(serverId: string): FetchLike | undefined {
    if (!this.#oauth.has(serverId)) return undefined;
    return (url, init) => {
      const principal = this.#scope.getStore();
      if (!principal) return Promise.resolve(new Response(null, { status: 401 }));
      return this.#send(serverId, principal.id, url, init);
    };
  }

  /**
   * Fails with `mcp_authorization_required` (naming a fresh link) when the principal has no usable grant for a
   * per-user server; checked before listing or calling it, so a user without a grant never fails the connection.
   */
  async authorize(entry: ServerEntry, principal: Principal): Promise<void> {
    const serverId = entry.spec.id;
    if (this.#oauth.has(serverId))
      await this.#oauth.accessToken(serverId, principal.id, { subjectToken: this.#subjectFor(serverId) });
  }

  async connectionFor(entry: ServerEntry, principal: Principal): Promise<UpstreamConnection> {
    const serverId = entry.spec.id;
    if (!this.#oauth.has(serverId)) return entry.connection;
    await this.#oauth.accessToken(serverId, principal.id, { subjectToken: this.#subjectFor(serverId) });
    const key = `${serverId}\u0000${principal.id}`;
    let connection = this.#connections.get(key);
    if (connection && connection.spec !== entry.spec) {
      this.#connections.delete(key);
      void connection.close();
      connection = undefined;
    }
    if (!connection) {
      connection = new UpstreamConnection(entry.spec, {
        logger: this.#logger,
        onListChanged: () => {},
        fetch: (url, init) => this.#send(serverId, principal.id, url, init),
      });
      this.#connections.set(key, connection);
      this.#evict();
    } else {
      // Most recently used last, so eviction takes the idlest.
      this.#connections.delete(key);
      this.#connections.set(key, connection);
    }
    return connection;
  }

  /** Closes the principal's connection to the server (after its grant was revoked). */
  async forget(serverId: string, principalId: string): Promise<void> {
    const key = `${serverId}\u0000${principalId}`;
    const connection = this.#connections.get(key);
    this.#connections.delete(key);
    await connection?.close();
  }

  async close(): Promise<void> {
    const all = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(all.map((connection) => connection.close()));
  }

  #evict(): void {
    while (this.#connections.size > MAX_CONNECTIONS) {
      const [oldest, connection] = this.#connections.entries().next().value as [string, UpstreamConnection];
      this.#connections.delete(oldest);
      void connection.close();
    }
  }

  async #send(serverId: string, principalId: string, url: string | URL, init?: RequestInit): Promise<Response> {
    const attempt = async (token: string) => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${token}`);
      return fetch(url, { ...init, headers });
    };
    const subjectToken = this.#subjectFor(serverId);
    const token = await this.#oauth.accessToken(serverId, principalId, { subjectToken }).catch(() => null);
    if (token === null) return new Response(null, { status: 401 });
    const response = await attempt(token);
    if (response.status !== 401) return response;
    await response.body?.cancel();
    // The upstream refused a token we held as good (revoked or expired early): refresh once, single-flight.
    const fresh = await this.#oauth
      .accessToken(serverId, principalId, { rejected: token, subjectToken })
      .catch(() => null);
    if (fresh === null) return new Response(null, { status: 401 });
    return attempt(fresh);
  }
}
