/**
 * @module
 * One proxied call: inject the credential, send it to the service's origin through its pool, retry once with a
 * fresh token after a 401 (OAuth2 only), and hand back a response whose headers and body are scrubbed of every
 * secret string this credential involves. Redirects are never followed (undici `request` does not), so a
 * credential goes to the service's own origin and nowhere else.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { OutboundSpan, OutboundTrace } from '../telemetry/index.ts';
import { type CredentialMaterial, type ResolvedCredential, secretStrings } from './credentials.ts';
import { mapUpstreamFailure, VaultError } from './errors.ts';
import { buildUpstreamHeaders, filterResponseHeaders } from './headers.ts';
import { OAuthRefreshError, type OAuthTokens } from './oauth2.ts';
import { injectQueryParam } from './path-guard.ts';
import { compileNeedles, RedactingStream, redactText } from './redactor.ts';
import { usesOAuth2, type VaultService } from './service-definition.ts';
import type { UpstreamPools } from './upstream-pools.ts';

export interface ForwardRequest {
  service: VaultService;
  credential: ResolvedCredential;
  method: string;
  /** Path below the service's base path, already checked by `resolveServicePath`. */
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  body: Buffer | null;
  signal: AbortSignal;
  /**
   * The request's trace: the call is one client span of it, and the service receives that span's `traceparent`
   * in place of the one the agent sent. Null: the agent's own headers pass as they are.
   */
  trace: OutboundTrace | null;
}

export interface ForwardResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: RedactingStream;
  attempts: number;
  tokenRefreshed: boolean;
}

interface Injection {
  headers: Record<string, string>;
  query: string;
}

function inject(service: VaultService, material: CredentialMaterial, token: string | null, query: string): Injection {
  const { auth } = service;
  switch (auth.type) {
    case 'header':
      return { headers: { [auth.name.toLowerCase()]: `${auth.prefix ?? ''}${secretOf(material)}` }, query };
    case 'query':
      return { headers: {}, query: injectQueryParam(query, auth.name, secretOf(material)) };
    case 'bearer':
      return { headers: { authorization: `Bearer ${secretOf(material)}` }, query };
    case 'basic': {
      if (material.kind !== 'basic') throw mismatch(service);
      const pair = Buffer.from(`${material.username}:${material.password}`).toString('base64');
      return { headers: { authorization: `Basic ${pair}` }, query };
    }
    default:
      if (token === null) throw mismatch(service);
      return { headers: { authorization: `Bearer ${token}` }, query };
  }
}

function secretOf(material: CredentialMaterial): string {
  if (material.kind !== 'secret') throw new TypeError('credential kind mismatch');
  return material.value;
}

function mismatch(service: VaultService): VaultError {
  return new VaultError('vault_credential_unreadable', `credential for ${service.id} does not match its auth scheme`);
}

export interface ForwarderDeps {
  pools: UpstreamPools;
  tokens: OAuthTokens;
}

async function obtainToken(
  deps: ForwarderDeps,
  input: ForwardRequest,
  rejected: string | null,
  span: OutboundSpan | null,
): Promise<string> {
  try {
    return await deps.tokens.accessToken(input.service, input.credential, rejected, { trace: input.trace, span });
  } catch (error) {
    if (error instanceof OAuthRefreshError) {
      throw new VaultError('vault_token_unavailable', `vault service ${input.service.id}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * One span for the whole call, token refresh and its retry included: the agent made one call, and the attempt
 * count is on the span. The path is left out (it may carry ids the agent considers private); the service id and
 * method name the call well enough to find it.
 */
function startVaultSpan(input: ForwardRequest): OutboundSpan | null {
  if (input.trace === null) return null;
  return input.trace.startSpan(`${input.method} vault ${input.service.id}`, {
    'http.request.method': input.method,
    'gatehouse.vault.service': input.service.id,
  });
}

export async function forward(deps: ForwarderDeps, input: ForwardRequest): Promise<ForwardResponse> {
  const span = startVaultSpan(input);
  try {
    const response = await forwardAttempts(deps, input, span);
    span?.set({ 'http.response.status_code': response.statusCode, 'gatehouse.attempts': response.attempts });
    span?.end(response.statusCode >= 500 ? String(response.statusCode) : null);
    return response;
  } catch (error) {
    span?.end(error instanceof VaultError ? error.code : 'transport');
    throw error;
  }
}

async function forwardAttempts(
  deps: ForwarderDeps,
  input: ForwardRequest,
  span: OutboundSpan | null,
): Promise<ForwardResponse> {
  const { service, credential } = input;
  const oauth = usesOAuth2(service);
  const credentialHeader = service.auth.type === 'header' ? service.auth.name.toLowerCase() : null;
  const baseHeaders = buildUpstreamHeaders(input.headers, credentialHeader);
  span?.inject(baseHeaders);
  if (service.auth.type === 'query') {
    // Shadowing the injected parameter through a header of the same name is refused the same way as in the query.
    delete baseHeaders[service.auth.name.toLowerCase()];
  }
  let token = oauth ? await obtainToken(deps, input, null, span) : null;
  let tokenRefreshed = false;
  for (let attempt = 1; ; attempt++) {
    const injection = inject(service, credential.material, token, input.query);
    const target = `${service.basePath}${input.path}${injection.query ? `?${injection.query}` : ''}`;
    let response: Awaited<ReturnType<ReturnType<UpstreamPools['get']>['request']>>;
    try {
      response = await deps.pools.get(service.origin).request({
        method: input.method as 'GET',
        path: target,
        headers: { ...baseHeaders, ...injection.headers },
        body: input.body && input.body.length > 0 ? input.body : null,
        headersTimeout: service.timeoutMs,
        bodyTimeout: service.timeoutMs,
        signal: input.signal,
      });
    } catch (error) {
      if (input.signal.aborted) throw error;
      throw mapUpstreamFailure(error, service.id);
    }
    // RFC 6750 §3.1: 401 means the token was not accepted (expired or revoked early); one refresh, one retry.
    if (oauth && response.statusCode === 401 && attempt === 1) {
      await response.body.dump().catch(() => {});
      token = await obtainToken(deps, input, token, span);
      tokenRefreshed = true;
      continue;
    }
    const needles = compileNeedles([
      ...secretStrings(credential.material),
      ...deps.tokens.heldTokens(credential),
      token ?? '',
    ]);
    const redact = (value: string) => redactText(value, needles);
    const body = new RedactingStream(needles);
    (response.body as Readable).on('error', (error) => body.destroy(error)).pipe(body);
    return {
      statusCode: response.statusCode,
      headers: filterResponseHeaders(response.headers, redact),
      body,
      attempts: attempt,
      tokenRefreshed,
    };
  }
}
