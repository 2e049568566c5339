/**
 * @module
 * OAuth2 access tokens for vault credentials: client credentials (RFC 6749 §4.4) and refresh-token grants
 * (§6). One refresher per credential: concurrent requests share one in-flight exchange, and instances share one
 * through a `SharedState` lock, with the resulting token state stored as an envelope that the others read back.
 * Providers that rotate refresh tokens (RFC 9700 §4.14.2) invalidate the old one on use, so two instances
 * refreshing at once would lock each other out: that is why the lock is not optional.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { SecretService } from '../secrets/index.ts';
import type { SharedState } from '../state/index.ts';
import type { OutboundSpan, OutboundTrace } from '../telemetry/index.ts';
import { type ResolvedCredential, tokenName } from './credentials.ts';
import type { VaultService } from './service-definition.ts';
import type { UpstreamPools } from './upstream-pools.ts';
import { credentialKey } from './vault-snapshot.ts';

export interface TokenState {
  accessToken: string;
  /** Epoch ms; null when the server gave no `expires_in` (used until the service answers 401). */
  expiresAt: number | null;
  /** The latest refresh token, when the server rotated it. */
  refreshToken: string | null;
  /** The credential version this token was obtained with; a new credential version discards it. */
  credentialVersion: number;
}

/** The token endpoint refused or could not be reached; the message is safe for logs (no secrets, no body). */
export class OAuthRefreshError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'OAuthRefreshError';
  }
}

export interface CredentialHealth {
  service: string;
  scope: string;
  healthy: boolean;
  reason: string | null;
  at: number;
}

export interface OAuthTokensOptions {
  pools: UpstreamPools;
  secrets: SecretService;
  state: SharedState;
  skewMs: number;
  logger?: Logger;
  onHealth?: (health: CredentialHealth) => void;
}

/**
 * The request asking for a token: its trace, and its own vault call's span. A refresh it starts is a client span
 * of its trace; a refresh it only waits on gets a link from its vault span, since it belongs to whoever started it.
 */
export interface TokenCaller {
  trace: OutboundTrace | null;
  span: OutboundSpan | null;
}

const UNTRACED: TokenCaller = { trace: null, span: null };

/** One in-flight refresh of a credential, shared by every request that needs it meanwhile. */
interface Flight {
  token: Promise<TokenState>;
  span: OutboundSpan | null;
  waiters: number;
}

/** How a refresh span ended (`gatehouse.vault.refresh.outcome`). */
type RefreshOutcome = 'refreshed' | 'shared' | 'failed';

const TOKEN_TIMEOUT_MS = 10_000;
const LOCK_TTL_MS = 30_000;
const WAIT_FOR_PEER_MS = 15_000;
const MAX_TOKEN_RESPONSE = 64 * 1024;
const TOKEN_SAFE = /^[\x20-\x7e]+$/;

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

export class OAuthTokens {
  readonly #options: OAuthTokensOptions;
  readonly #tokens = new Map<string, TokenState>();
  readonly #inflight = new Map<string, Flight>();
  readonly #health = new Map<string, CredentialHealth>();

  constructor(options: OAuthTokensOptions) {
    this.#options = options;
  }

  #usable(token: TokenState | null | undefined, credential: ResolvedCredential, rejected: string | null) {
    if (!token || token.credentialVersion !== credential.version || token.accessToken === rejected) return false;
    return token.expiresAt === null || token.expiresAt - this.#options.skewMs > Date.now();
  }

  /**
   * A usable access token: from memory while it is more than the skew away from expiry, else refreshed. Pass the
   * token the service just answered 401 to as `rejected` to force a new one.
   */
  async accessToken(
    service: VaultService,
    credential: ResolvedCredential,
    rejected: string | null = null,
    caller: TokenCaller = UNTRACED,
  ) {
    const id = credentialKey(credential.service, credential.scope);
    const held = this.#tokens.get(id);
    if (this.#usable(held, credential, rejected)) return (held as TokenState).accessToken;
    let flight = this.#inflight.get(id);
    if (flight) {
      flight.waiters += 1;
      if (flight.span !== null) caller.span?.link(flight.span);
    } else {
      const span = startRefreshSpan(caller.trace, service);
      flight = {
        token: this.#traced(service, credential, rejected, span).finally(() => this.#inflight.delete(id)),
        span,
        waiters: 0,
      };
      this.#inflight.set(id, flight);
    }
    return (await flight.token).accessToken;
  }

  /** How many calls wait on the credential's in-flight refresh besides the one that started it (0 with none). */
  waiters(serviceId: string, scope: string): number {
    return this.#inflight.get(credentialKey(serviceId, scope))?.waiters ?? 0;
  }

  async #traced(
    service: VaultService,
    credential: ResolvedCredential,
    rejected: string | null,
    span: OutboundSpan | null,
  ): Promise<TokenState> {
    const outcome = { value: 'failed' as RefreshOutcome };
    try {
      const token = await this.#obtain(service, credential, rejected, span, outcome);
      span?.set({ 'gatehouse.vault.refresh.outcome': outcome.value });
      span?.end();
      return token;
    } catch (error) {
      span?.set({ 'gatehouse.vault.refresh.outcome': 'failed' });
      span?.end('vault_token_unavailable');
      throw error;
    }
  }

  /** Every token string currently held for a credential, for response redaction. */
  heldTokens(credential: ResolvedCredential): string[] {
    const token = this.#tokens.get(credentialKey(credential.service, credential.scope));
    return token ? [token.accessToken, token.refreshToken ?? ''].filter(Boolean) : [];
  }

  forget(serviceId: string, scope: string): void {
    this.#tokens.delete(credentialKey(serviceId, scope));
  }

  health(): CredentialHealth[] {
    return [...this.#health.values()];
  }

  async #readStored(credential: ResolvedCredential): Promise<TokenState | null> {
    const raw = await this.#options.secrets.get(credential.owner, tokenName(credential.scope));
    if (raw === null) return null;
    try {
      return JSON.parse(raw.toString('utf8')) as TokenState;
    } catch {
      return null;
    }
  }

  async #obtain(
    service: VaultService,
    credential: ResolvedCredential,
    rejected: string | null,
    span: OutboundSpan | null,
    outcome: { value: RefreshOutcome },
  ): Promise<TokenState> {
    const id = credentialKey(credential.service, credential.scope);
    const lockKey = `vault:oauth:${credential.secretId}`;
    const deadline = Date.now() + WAIT_FOR_PEER_MS;
    for (;;) {
      const stored = await this.#readStored(credential);
      if (this.#usable(stored, credential, rejected)) {
        this.#tokens.set(id, stored as TokenState);
        outcome.value = 'shared';
        return stored as TokenState;
      }
      const lock = await this.#options.state.tryLock(lockKey, LOCK_TTL_MS);
      if (lock !== null) {
        try {
          const again = await this.#readStored(credential);
          if (this.#usable(again, credential, rejected)) {
            this.#tokens.set(id, again as TokenState);
            outcome.value = 'shared';
            return again as TokenState;
          }
          const previous = again?.credentialVersion === credential.version ? again : null;
          const fresh = await this.#exchange(service, credential, previous, span);
          outcome.value = 'refreshed';
          await this.#options.secrets.put(credential.owner, tokenName(credential.scope), JSON.stringify(fresh));
          this.#tokens.set(id, fresh);
          this.#setHealth(credential, null);
          return fresh;
        } catch (error) {
          const reason = error instanceof OAuthRefreshError ? error.message : 'token refresh failed';
          this.#setHealth(credential, reason);
          this.#options.logger?.error({ err: error, service: credential.service, scope: credential.scope }, reason);
          throw error instanceof OAuthRefreshError ? error : new OAuthRefreshError(reason, error);
        } finally {
          await this.#options.state.unlock(lockKey, lock).catch(() => {});
        }
      }
      if (Date.now() > deadline) throw new OAuthRefreshError('timed out waiting for another instance to refresh');
      await sleep(50);
    }
  }

  #setHealth(credential: ResolvedCredential, reason: string | null): void {
    const health: CredentialHealth = {
      service: credential.service,
      scope: credential.scope,
      healthy: reason === null,
      reason,
      at: Date.now(),
    };
    this.#health.set(credentialKey(credential.service, credential.scope), health);
    this.#options.onHealth?.(health);
  }

  async #exchange(
    service: VaultService,
    credential: ResolvedCredential,
    previous: TokenState | null,
    span: OutboundSpan | null,
  ): Promise<TokenState> {
    const { auth } = service;
    const { material } = credential;
    if (
      (auth.type !== 'oauth2_client_credentials' && auth.type !== 'oauth2_refresh_token') ||
      material.kind !== 'oauth2'
    ) {
      throw new OAuthRefreshError('the credential does not match the service auth scheme');
    }
    const form: string[] = [];
    const add = (name: string, value: string) => form.push(`${name}=${formEncode(value)}`);
    let refreshToken: string | null = null;
    if (auth.type === 'oauth2_client_credentials') {
      add('grant_type', 'client_credentials');
      if (auth.audience) add('audience', auth.audience);
    } else {
      refreshToken = previous?.refreshToken ?? material.refreshToken;
      if (!refreshToken) throw new OAuthRefreshError('no refresh token is stored');
      add('grant_type', 'refresh_token');
      add('refresh_token', refreshToken);
    }
    if (auth.scope) add('scope', auth.scope);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    // RFC 6749 §2.3.1: client_secret_basic is the method servers must support; the id and secret are
    // form-encoded before being joined, so a ":" in either cannot be misread.
    if (auth.client_auth !== 'post' && material.clientSecret !== null) {
      const pair = `${formEncode(material.clientId)}:${formEncode(material.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else {
      add('client_id', material.clientId);
      if (material.clientSecret !== null) add('client_secret', material.clientSecret);
    }
    span?.inject(headers);
    const url = new URL(auth.token_url);
    const requestedAt = Date.now();
    let status: number;
    let text: string;
    try {
      const response = await this.#options.pools.get(url.origin).request({
        method: 'POST',
        path: `${url.pathname}${url.search}`,
        headers,
        body: form.join('&'),
        headersTimeout: TOKEN_TIMEOUT_MS,
        bodyTimeout: TOKEN_TIMEOUT_MS,
      });
      status = response.statusCode;
      span?.set({ 'http.response.status_code': status });
      text = await readLimited(response.body, MAX_TOKEN_RESPONSE);
    } catch (error) {
      throw new OAuthRefreshError(
        `token endpoint unreachable (${(error as { code?: string }).code ?? 'error'})`,
        error,
      );
    }
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // handled below: a non-JSON answer is a failure whatever its status
    }
    if (status !== 200) {
      // RFC 6749 §5.2 error codes are a fixed vocabulary; anything else in the body is not repeated into logs.
      const code = typeof json.error === 'string' && /^[a-z_]{1,64}$/.test(json.error) ? json.error : 'unknown';
      throw new OAuthRefreshError(`token endpoint answered ${status} (${code})`);
    }
    const accessToken = json.access_token;
    if (typeof accessToken !== 'string' || !TOKEN_SAFE.test(accessToken)) {
      throw new OAuthRefreshError('token endpoint returned no usable access_token');
    }
    if (typeof json.token_type === 'string' && json.token_type.toLowerCase() !== 'bearer') {
      throw new OAuthRefreshError('token endpoint returned a token type other than bearer');
    }
    const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : null;
    const rotated =
      typeof json.refresh_token === 'string' && TOKEN_SAFE.test(json.refresh_token) ? json.refresh_token : null;
    return {
      accessToken,
      expiresAt: expiresIn === null ? null : requestedAt + expiresIn * 1000,
      refreshToken: rotated ?? refreshToken,
      credentialVersion: credential.version,
    };
  }
}

/**
 * The refresh as a client span of the request that started it: the service and grant type, never the token
 * endpoint's form, a token or the client secret. Its context goes to the token endpoint as `traceparent`.
 */
function startRefreshSpan(trace: OutboundTrace | null, service: VaultService): OutboundSpan | null {
  if (trace === null) return null;
  return trace.startSpan(`vault token refresh ${service.id}`, {
    'gatehouse.vault.service': service.id,
    'gatehouse.vault.grant_type': service.auth.type === 'oauth2_refresh_token' ? 'refresh_token' : 'client_credentials',
  });
}

async function readLimited(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new OAuthRefreshError('token endpoint response is too large');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
