/**
 * @module The console's browser sign-in: OpenID Connect authorization code flow with PKCE (RFC 7636, S256) and a
 * nonce (OIDC Core §3.1.2.1). Between the redirect and the callback, the state, nonce and code verifier live in a
 * sealed, short-lived cookie (AES-256-GCM under a key derived from the pepper), so any instance can finish a login
 * that another began and nothing is stored server-side. The ID token is verified against the issuer's JWKS with
 * the client as audience and the nonce checked; the token itself is then dropped: the browser gets only a session.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { request } from 'undici';
import type { OidcConfig, OidcConsoleConfig } from '../config/index.ts';
import { digestsEqual } from '../domain/keys/index.ts';
import type { JwtPrincipal, JwtVerifier } from './jwt-verifier.ts';

/** Ten minutes from redirect to callback: longer than any interactive login, short enough to bound replay. */
export const LOGIN_TTL_MS = 10 * 60 * 1000;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD = Buffer.from('gatehouse console login v1');
const EXCHANGE_TIMEOUT_MS = 10_000;

interface LoginState {
  state: string;
  nonce: string;
  verifier: string;
  issuedAt: number;
}

export type LoginResult = { ok: true; principal: JwtPrincipal } | { ok: false; detail: string; unavailable?: boolean };

interface Endpoints {
  authorization: string;
  token: string;
}

function random(): string {
  return randomBytes(32).toString('base64url');
}

export class OidcLogin {
  readonly #oidc: OidcConfig;
  readonly #console: OidcConsoleConfig;
  readonly #verifier: JwtVerifier;
  readonly #key: Buffer;
  #endpoints: Promise<Endpoints> | null = null;

  constructor(options: { oidc: OidcConfig; console: OidcConsoleConfig; verifier: JwtVerifier; pepper: Buffer }) {
    this.#oidc = options.oidc;
    this.#console = options.console;
    this.#verifier = options.verifier;
    this.#key = Buffer.from(hkdfSync('sha256', options.pepper, Buffer.alloc(0), 'gatehouse console login v1', 32));
  }

  /** The IdP authorization URL to redirect to, and the sealed cookie value that the callback must bring back. */
  async begin(now = Date.now()): Promise<{ url: string; cookie: string }> {
    const endpoints = await this.#resolveEndpoints();
    const login: LoginState = { state: random(), nonce: random(), verifier: random(), issuedAt: now };
    const url = new URL(endpoints.authorization);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.#console.clientId);
    url.searchParams.set('redirect_uri', this.#console.redirectUri);
    url.searchParams.set('scope', this.#console.scopes.join(' '));
    url.searchParams.set('state', login.state);
    url.searchParams.set('nonce', login.nonce);
    url.searchParams.set('code_challenge', createHash('sha256').update(login.verifier).digest('base64url'));
    url.searchParams.set('code_challenge_method', 'S256');
    return { url: url.toString(), cookie: this.#seal(login) };
  }

  /**
   * Finishes a login from the callback's query and the login cookie. Every check that fails names itself (the
   * detail goes into the 401 and its audit event); none of them reveals a secret.
   */
  async complete(
    query: Record<string, string | undefined>,
    cookie: string | null,
    now = Date.now(),
  ): Promise<LoginResult> {
    if (cookie === null) return { ok: false, detail: 'no login is in progress in this browser (cookie missing)' };
    const login = this.#open(cookie);
    if (login === null) return { ok: false, detail: 'the login cookie is not valid' };
    if (now - login.issuedAt > LOGIN_TTL_MS || login.issuedAt > now + 60_000) {
      return { ok: false, detail: 'the login took longer than 10 minutes; start again' };
    }
    if (typeof query.state !== 'string' || !digestsEqual(query.state, login.state)) {
      return { ok: false, detail: 'the state does not match this login' };
    }
    if (query.error !== undefined) {
      const code = /^[A-Za-z0-9_.-]{1,64}$/.test(query.error) ? query.error : 'error';
      return { ok: false, detail: `the identity provider answered ${code}` };
    }
    if (typeof query.code !== 'string' || query.code.length === 0 || query.code.length > 2048) {
      return { ok: false, detail: 'the callback carries no authorization code' };
    }
    const exchanged = await this.#exchange(query.code, login.verifier);
    if (!exchanged.ok) return exchanged;
    const verified = await this.#verifier.verify(exchanged.idToken, {
      audience: this.#console.clientId,
      nonce: login.nonce,
    });
    if (!verified.ok) {
      return {
        ok: false,
        detail: `the ID token is not valid: ${verified.detail}`,
        unavailable: verified.reason === 'identity_unavailable',
      };
    }
    return { ok: true, principal: verified.principal };
  }

  async #exchange(
    code: string,
    verifier: string,
  ): Promise<{ ok: true; idToken: string } | { ok: false; detail: string; unavailable?: boolean }> {
    let endpoints: Endpoints;
    try {
      endpoints = await this.#resolveEndpoints();
    } catch {
      return { ok: false, detail: 'the identity provider cannot be reached', unavailable: true };
    }
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.#console.redirectUri,
      client_id: this.#console.clientId,
      code_verifier: verifier,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (this.#console.clientSecret !== null) {
      // RFC 6749 §2.3.1: client_secret_basic, the method every IdP must support.
      const basic = `${encodeURIComponent(this.#console.clientId)}:${encodeURIComponent(this.#console.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
    }
    try {
      const response = await request(endpoints.token, {
        method: 'POST',
        headers,
        body: form.toString(),
        headersTimeout: EXCHANGE_TIMEOUT_MS,
        bodyTimeout: EXCHANGE_TIMEOUT_MS,
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) {
        return { ok: false, detail: `the token endpoint refused the code (HTTP ${response.statusCode})` };
      }
      const body = JSON.parse(text) as { id_token?: unknown };
      if (typeof body.id_token !== 'string') return { ok: false, detail: 'the token endpoint returned no ID token' };
      return { ok: true, idToken: body.id_token };
    } catch {
      return { ok: false, detail: 'the token endpoint cannot be reached', unavailable: true };
    }
  }

  /** Configured endpoints, else the issuer's discovery document (OIDC Discovery §4), fetched once and kept. */
  #resolveEndpoints(): Promise<Endpoints> {
    const { authorizationEndpoint, tokenEndpoint } = this.#console;
    if (authorizationEndpoint !== null && tokenEndpoint !== null) {
      return Promise.resolve({ authorization: authorizationEndpoint, token: tokenEndpoint });
    }
    this.#endpoints ??= this.#discover().catch((error: unknown) => {
      this.#endpoints = null;
      throw error;
    });
    return this.#endpoints;
  }

  async #discover(): Promise<Endpoints> {
    const url = `${this.#oidc.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const response = await request(url, { headersTimeout: EXCHANGE_TIMEOUT_MS, bodyTimeout: EXCHANGE_TIMEOUT_MS });
    const document = (await response.body.json()) as { authorization_endpoint?: unknown; token_endpoint?: unknown };
    if (response.statusCode !== 200) throw new Error(`discovery answered ${response.statusCode}`);
    const authorization = this.#console.authorizationEndpoint ?? document.authorization_endpoint;
    const token = this.#console.tokenEndpoint ?? document.token_endpoint;
    if (typeof authorization !== 'string' || typeof token !== 'string') {
      throw new Error('the discovery document names no authorization or token endpoint');
    }
    return { authorization, token };
  }

  #seal(login: LoginState): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(AAD);
    const body = JSON.stringify({ s: login.state, n: login.nonce, v: login.verifier, t: login.issuedAt });
    const ciphertext = Buffer.concat([cipher.update(body, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
  }

  #open(cookie: string): LoginState | null {
    const raw = Buffer.from(cookie, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES + 2 || raw.length > 2048) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(AAD);
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
      const parsed = JSON.parse(text.toString('utf8')) as Record<string, unknown>;
      const { s, n, v, t } = parsed;
      if (typeof s !== 'string' || typeof n !== 'string' || typeof v !== 'string' || typeof t !== 'number') return null;
      return { state: s, nonce: n, verifier: v, issuedAt: t };
    } catch {
      return null;
    }
  }
}
