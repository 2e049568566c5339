/**
 * @module Per-user OAuth grants for MCP upstreams that act as the end user (a code host's or a ticket system's
 * server). The gateway is the OAuth client: it starts an authorization-code flow with PKCE (S256) for a principal,
 * keeps the flow's `state` in the store (random, single use, expiring), exchanges the code at the callback, and
 * stores the grant as an envelope per (upstream, principal). Access tokens are refreshed single-flight per grant; a
 * refused refresh (a revoked grant) drops the grant so the next call asks the user to authorize again. The token
 * is issued for the upstream (RFC 8707 `resource`); the client's own token is never sent upstream.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SecretService } from '../secrets/index.ts';
import { mcpExtrasRepository, type Store } from '../store/index.ts';
import type { McpConfig } from './config.ts';
import { McpFailure } from './errors.ts';

export interface UserOAuthSpec {
  /** RFC 8414 discovery base; the endpoints below override what it names. */
  issuer: string | null;
  authorizationEndpoint: string | null;
  tokenEndpoint: string | null;
  revocationEndpoint: string | null;
  clientId: string;
  clientSecret: string | null;
  scopes: string[];
  /** The RFC 8707 resource indicator the token is issued for (the upstream's URL unless configured). */
  resource: string;
  /** Exchange the caller's own OIDC token (RFC 8693) instead of sending the user through a browser flow. */
  tokenExchange: boolean;
}

export interface UserGrant {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch ms; null when the server gave no `expires_in`. */
  expiresAt: number | null;
}

export type CallbackFailure = 'state_missing' | 'state_invalid' | 'state_expired' | 'access_denied' | 'exchange_failed';

/** A callback the gateway refuses; `reason` is stable, the message safe to show (no token, no code). */
export class UserOAuthCallbackError extends Error {
  readonly reason: CallbackFailure;
  constructor(reason: CallbackFailure, message: string) {
    super(message);
    this.name = 'UserOAuthCallbackError';
    this.reason = reason;
  }
}

export interface UserOAuthOptions {
  store: Store;
  secrets: SecretService;
  /** The gateway's callback route, registered at the authorization server as the client's redirect URI. */
  redirectUri: string;
  /** Refresh this long before expiry. */
  skewMs?: number;
  /** How long a started flow may take before its `state` is refused. */
  flowTtlMs?: number;
  fetch?: typeof fetch;
}

/** The grants of every configured per-user OAuth server; null when none is configured. */
export function userOAuthFromConfig(config: McpConfig, store: Store, secrets: SecretService): UserOAuth | null {
  if (config.oauthRedirectUrl === null) return null;
  const oauth = new UserOAuth({ store, secrets, redirectUri: config.oauthRedirectUrl });
  for (const spec of config.servers)
    if (spec.transport !== 'stdio' && spec.userOAuth) oauth.configure(spec.id, spec.userOAuth);
  return oauth;
}

export const GRANT_OWNER_PREFIX = 'mcp-user-grant:';
const TOKEN_TIMEOUT_MS = 10_000;
const MAX_TOKEN_RESPONSE = 64 * 1024;
const TOKEN_TYPE_ACCESS = 'urn:ietf:params:oauth:token-type:access_token';

interface Endpoints {
  authorization: string;
  token: string;
  revocation: string | null;
}

function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/** A grant's key: upstream and principal; neither contains a NUL. */
function grantKey(serverId: string, principalId: string): string {
  return `${serverId}\u0000${principalId}`;
}

class TokenEndpointError extends Error {
  readonly oauthError: string | null;
  constructor(message: string, oauthError: string | null) {
    super(message);
    this.oauthError = oauthError;
  }
}

export class UserOAuth {
  readonly #options: UserOAuthOptions;
  readonly #specs = new Map<string, UserOAuthSpec>();
  readonly #endpoints = new Map<string, Promise<Endpoints>>();
  readonly #inflight = new Map<string, Promise<UserGrant | null>>();
  readonly #fetch: typeof fetch;

  constructor(options: UserOAuthOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? fetch;
  }

  configure(serverId: string, spec: UserOAuthSpec | null): void {
    this.#endpoints.delete(serverId);
    if (spec) this.#specs.set(serverId, spec);
    else this.#specs.delete(serverId);
  }

  has(serverId: string): boolean {
    return this.#specs.has(serverId);
  }

  /** Whether the server takes the caller's own token in an RFC 8693 exchange (`token_exchange: true`). */
  exchanges(serverId: string): boolean {
    return this.#specs.get(serverId)?.tokenExchange === true;
  }

  #spec(serverId: string): UserOAuthSpec {
    const spec = this.#specs.get(serverId);
    if (!spec) throw new McpFailure('mcp_server_not_found', { server: serverId });
    return spec;
  }

  /** Explicit endpoints win; the rest comes from the issuer's RFC 8414 metadata, fetched once. */
  #resolve(serverId: string): Promise<Endpoints> {
    let found = this.#endpoints.get(serverId);
    if (!found) {
      found = this.#discover(this.#spec(serverId));
      found.catch(() => this.#endpoints.delete(serverId));
      this.#endpoints.set(serverId, found);
    }
    return found;
  }

  async #discover(spec: UserOAuthSpec): Promise<Endpoints> {
    let metadata: Record<string, unknown> = {};
    if (spec.issuer && !(spec.authorizationEndpoint && spec.tokenEndpoint)) {
      const issuer = new URL(spec.issuer);
      const path = issuer.pathname === '/' ? '' : issuer.pathname;
      const url = new URL(`/.well-known/oauth-authorization-server${path}`, issuer);
      const response = await this.#fetch(url, { signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`authorization server metadata answered ${response.status}`);
      metadata = (await response.json()) as Record<string, unknown>;
      if (metadata.issuer !== spec.issuer) throw new Error('authorization server metadata names another issuer');
    }
    const pick = (own: string | null, key: string) =>
      own ?? (typeof metadata[key] === 'string' ? (metadata[key] as string) : null);
    const authorization = pick(spec.authorizationEndpoint, 'authorization_endpoint');
    const token = pick(spec.tokenEndpoint, 'token_endpoint');
    if (!authorization || !token) throw new Error('no authorization or token endpoint configured or discovered');
    return { authorization, token, revocation: pick(spec.revocationEndpoint, 'revocation_endpoint') };
  }

  /**
   * Starts a flow for the principal and returns the browser link (the authorization server's authorize URL). The
   * `state` is 256 random bits stored with the PKCE verifier: it cannot be forged, and the callback consumes it.
   */
  async authorizationLink(serverId: string, principalId: string): Promise<string> {
    const spec = this.#spec(serverId);
    const endpoints = await this.#resolve(serverId);
    const state = base64url(randomBytes(32));
    const verifier = base64url(randomBytes(32));
    const now = Date.now();
    await mcpExtrasRepository.pruneOauthFlows(this.#options.store.write, now - this.#flowTtl());
    await mcpExtrasRepository.insertOauthFlow(this.#options.store.write, {
      state,
      serverId,
      principalId,
      verifier,
      createdAt: now,
    });
    const url = new URL(endpoints.authorization);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', spec.clientId);
    url.searchParams.set('redirect_uri', this.#options.redirectUri);
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', base64url(createHash('sha256').update(verifier).digest()));
    url.searchParams.set('code_challenge_method', 'S256');
    url.searchParams.set('resource', spec.resource);
    if (spec.scopes.length > 0) url.searchParams.set('scope', spec.scopes.join(' '));
    return url.toString();
  }

  #flowTtl(): number {
    return this.#options.flowTtlMs ?? 10 * 60_000;
  }

  /** The failure a call answers with when the principal has no usable grant: it names a fresh link. */
  async authorizationRequired(serverId: string, principalId: string): Promise<McpFailure> {
    return new McpFailure('mcp_authorization_required', {
      server: serverId,
      url: await this.authorizationLink(serverId, principalId),
    });
  }

  /** Completes a flow from the callback's query; returns whose grant it stored. */
  async complete(query: {
    state?: string;
    code?: string;
    error?: string;
  }): Promise<{ serverId: string; principalId: string }> {
    if (!query.state) throw new UserOAuthCallbackError('state_missing', 'the callback carries no state');
    const flow = await mcpExtrasRepository.takeOauthFlow(this.#options.store.write, query.state);
    if (!flow) throw new UserOAuthCallbackError('state_invalid', 'the state is unknown or was already used');
    if (Date.now() - flow.createdAt > this.#flowTtl())
      throw new UserOAuthCallbackError('state_expired', 'the authorization took too long; start again');
    if (query.error || !query.code) {
      const detail = query.error && /^[a-z_]{1,64}$/.test(query.error) ? query.error : 'no code';
      throw new UserOAuthCallbackError('access_denied', `the authorization server answered ${detail}`);
    }
    const spec = this.#specs.get(flow.serverId);
    if (!spec) throw new UserOAuthCallbackError('state_invalid', 'the server is no longer configured');
    try {
      const grant = await this.#tokenRequest(flow.serverId, {
        grant_type: 'authorization_code',
        code: query.code,
        redirect_uri: this.#options.redirectUri,
        code_verifier: flow.verifier,
        resource: spec.resource,
      });
      await this.#store(flow.serverId, flow.principalId, grant);
    } catch (error) {
      throw new UserOAuthCallbackError('exchange_failed', (error as Error).message);
    }
    return { serverId: flow.serverId, principalId: flow.principalId };
  }

  /**
   * A usable access token for the principal at the upstream, refreshed single-flight near expiry or when the
   * upstream refused `rejected`. With token exchange configured, the caller's own token (`subjectToken`) is
   * exchanged when no grant is held. No grant and no way to get one: `mcp_authorization_required`.
   */
  async accessToken(
    serverId: string,
    principalId: string,
    options: { rejected?: string | null; subjectToken?: string | null } = {},
  ): Promise<string> {
    const token = await this.usableToken(serverId, principalId, options);
    if (token === null) throw await this.authorizationRequired(serverId, principalId);
    return token;
  }

  /**
   * As `accessToken`, but null instead of `mcp_authorization_required`, so a caller that only probes (may this
   * principal be listed for?) starts no authorization flow and stores no `state`.
   */
  async usableToken(
    serverId: string,
    principalId: string,
    options: { rejected?: string | null; subjectToken?: string | null } = {},
  ): Promise<string | null> {
    const spec = this.#spec(serverId);
    const key = grantKey(serverId, principalId);
    const held = await this.#read(serverId, principalId);
    if (held && held.accessToken !== options.rejected && !this.#expiring(held)) return held.accessToken;
    let flight = this.#inflight.get(key);
    if (!flight) {
      flight = this.#renew(serverId, principalId, spec, held, options.subjectToken ?? null).finally(() =>
        this.#inflight.delete(key),
      );
      this.#inflight.set(key, flight);
    }
    return (await flight)?.accessToken ?? null;
  }

  #expiring(grant: UserGrant): boolean {
    return grant.expiresAt !== null && grant.expiresAt - (this.#options.skewMs ?? 30_000) <= Date.now();
  }

  async #renew(
    serverId: string,
    principalId: string,
    spec: UserOAuthSpec,
    held: UserGrant | null,
    subjectToken: string | null,
  ): Promise<UserGrant | null> {
    try {
      let grant: UserGrant;
      if (held?.refreshToken) {
        grant = await this.#tokenRequest(serverId, {
          grant_type: 'refresh_token',
          refresh_token: held.refreshToken,
          resource: spec.resource,
        });
        grant.refreshToken ??= held.refreshToken;
      } else if (spec.tokenExchange && subjectToken) {
        grant = await this.#tokenRequest(serverId, {
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token: subjectToken,
          subject_token_type: TOKEN_TYPE_ACCESS,
          requested_token_type: TOKEN_TYPE_ACCESS,
          resource: spec.resource,
        });
      } else {
        if (held) await this.#drop(serverId, principalId);
        return null;
      }
      await this.#store(serverId, principalId, grant);
      return grant;
    } catch (error) {
      // A refused grant (revoked, expired refresh token) is gone for good: the user authorizes again. Any other
      // failure (the server down) keeps the grant for the next try.
      if (error instanceof TokenEndpointError && error.oauthError !== null) {
        await this.#drop(serverId, principalId);
        return null;
      }
      throw new McpFailure(
        'mcp_upstream_unavailable',
        { server: serverId, detail: 'token endpoint unavailable' },
        { cause: error },
      );
    }
  }

  /**
   * Deletes the principal's grant; with a revocation endpoint (RFC 7009) the refresh token (else the access token)
   * is revoked there too. Returns whether a grant was held.
   */
  async revoke(serverId: string, principalId: string): Promise<{ revoked: boolean; remote: boolean }> {
    const spec = this.#spec(serverId);
    const held = await this.#read(serverId, principalId);
    if (!held) return { revoked: false, remote: false };
    await this.#drop(serverId, principalId);
    const endpoints = await this.#resolve(serverId).catch(() => null);
    if (!endpoints?.revocation) return { revoked: true, remote: false };
    const body = held.refreshToken
      ? { token: held.refreshToken, token_type_hint: 'refresh_token' }
      : { token: held.accessToken, token_type_hint: 'access_token' };
    const response = await this.#fetch(endpoints.revocation, {
      method: 'POST',
      headers: this.#clientHeaders(spec),
      body: this.#form(spec, body),
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    }).catch(() => null);
    await response?.body?.cancel();
    return { revoked: true, remote: response?.ok === true };
  }

  /** Whether the principal holds a grant at the upstream (usable or refreshable). */
  async holds(serverId: string, principalId: string): Promise<boolean> {
    return (await this.#read(serverId, principalId)) !== null;
  }

  /** Principals holding a grant at the upstream. */
  async grantHolders(serverId: string): Promise<string[]> {
    const rows = await this.#options.secrets.list(`${GRANT_OWNER_PREFIX}${serverId}`);
    return rows.map((row) => row.name).sort();
  }

  #clientHeaders(spec: UserOAuthSpec): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (spec.clientSecret !== null) {
      const pair = `${encodeURIComponent(spec.clientId)}:${encodeURIComponent(spec.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    }
    return headers;
  }

  /** A public client (no secret) names itself in the body (RFC 6749 §3.2.1); a confidential one authenticates. */
  #form(spec: UserOAuthSpec, fields: Record<string, string>): string {
    const form = new URLSearchParams(fields);
    if (spec.clientSecret === null) form.set('client_id', spec.clientId);
    return form.toString();
  }

  async #tokenRequest(serverId: string, fields: Record<string, string>): Promise<UserGrant> {
    const spec = this.#spec(serverId);
    const endpoints = await this.#resolve(serverId);
    const response = await this.#fetch(endpoints.token, {
      method: 'POST',
      headers: this.#clientHeaders(spec),
      body: this.#form(spec, fields),
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
    const text = await response.text();
    if (text.length > MAX_TOKEN_RESPONSE) throw new Error('token response too large');
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // A non-JSON answer is reported by status below; its text is never echoed (it may hold a token).
    }
    if (!response.ok) {
      const code = typeof body.error === 'string' && /^[a-z_]{1,64}$/.test(body.error) ? body.error : null;
      throw new TokenEndpointError(`token endpoint answered ${response.status} ${code ?? ''}`.trim(), code);
    }
    if (typeof body.access_token !== 'string' || body.access_token === '')
      throw new Error('token response has no access_token');
    const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : null;
    return {
      accessToken: body.access_token,
      refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : null,
      expiresAt: expiresIn === null ? null : Date.now() + expiresIn * 1000,
    };
  }

  async #read(serverId: string, principalId: string): Promise<UserGrant | null> {
    const raw = await this.#options.secrets.get(`${GRANT_OWNER_PREFIX}${serverId}`, principalId);
    if (!raw) return null;
    try {
      return JSON.parse(raw.toString('utf8')) as UserGrant;
    } catch {
      return null;
    }
  }

  #store(serverId: string, principalId: string, grant: UserGrant) {
    return this.#options.secrets.put(`${GRANT_OWNER_PREFIX}${serverId}`, principalId, JSON.stringify(grant));
  }

  async #drop(serverId: string, principalId: string): Promise<void> {
    await this.#options.secrets.delete(`${GRANT_OWNER_PREFIX}${serverId}`, principalId);
  }
}
