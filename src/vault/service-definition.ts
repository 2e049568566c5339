import { Value } from '@sinclair/typebox/value';
import { type VaultAuthSpec, VaultServiceSchema, type VaultServiceSpec } from './service-schema.ts';

/** A bad service definition, naming the field at fault. */
export class VaultDefinitionError extends Error {
  readonly field: string;
  /** The message without the field, for callers that re-home the field (`vault.services.3.base_url`). */
  readonly reason: string;

  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'VaultDefinitionError';
    this.field = field;
    this.reason = reason;
  }
}

/** A service definition, validated and pre-computed once so a request only does map lookups. */
export interface VaultService {
  readonly id: string;
  readonly description: string;
  /** `scheme://host:port`, the key of its connection pool and the only host a credential is ever sent to. */
  readonly origin: string;
  /** The base URL's path without a trailing slash (`''` for the root). */
  readonly basePath: string;
  readonly allowedMethods: ReadonlySet<string>;
  readonly allowedPaths: readonly string[];
  readonly timeoutMs: number;
  readonly auth: VaultAuthSpec;
  readonly rateLimit: { requests: number; windowMs: number } | null;
  readonly maxRequestBytes: number | null;
  readonly source: 'config' | 'admin';
  readonly spec: VaultServiceSpec;
}

const DEFAULT_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const DEFAULT_TIMEOUT_MS = 30_000;

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * Parses an upstream URL. Plain http would put the credential on the wire in clear text, so it is accepted only
 * for loopback hosts (local fakes, sidecars). Userinfo, query and fragment are refused: the credential is injected
 * by the auth scheme, never smuggled in a URL that might be logged.
 */
export function parseUpstreamUrl(field: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new VaultDefinitionError(field, 'is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new VaultDefinitionError(field, 'must be https');
  if (url.protocol === 'http:' && !isLoopback(url.hostname))
    throw new VaultDefinitionError(field, 'must be https (plain http is allowed only for loopback hosts)');
  if (url.username || url.password) throw new VaultDefinitionError(field, 'must not contain credentials');
  if (url.search || url.hash) throw new VaultDefinitionError(field, 'must not contain a query or fragment');
  return url;
}

function normalisePrefix(prefix: string, index: number): string {
  const segments = prefix.split('/');
  if (prefix.includes('//') || segments.some((segment) => segment === '.' || segment === '..')) {
    throw new VaultDefinitionError(`allowed_paths.${index}`, 'must not contain empty, "." or ".." segments');
  }
  return prefix;
}

/** Validates a definition (from YAML or the admin API) and pre-computes what the proxy needs. */
export function compileService(input: unknown, source: VaultService['source']): VaultService {
  const first = Value.Errors(VaultServiceSchema, input).First();
  if (first) {
    const field = first.path === '' ? 'service' : first.path.slice(1).replaceAll('/', '.');
    throw new VaultDefinitionError(field, first.message);
  }
  const spec = input as VaultServiceSpec;
  const url = parseUpstreamUrl('base_url', spec.base_url);
  if (spec.auth.type === 'oauth2_client_credentials' || spec.auth.type === 'oauth2_refresh_token') {
    parseUpstreamUrl('auth.token_url', spec.auth.token_url);
  }
  return {
    id: spec.id,
    description: spec.description ?? '',
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
    allowedMethods: new Set(spec.allowed_methods ?? DEFAULT_METHODS),
    allowedPaths: (spec.allowed_paths ?? ['/']).map(normalisePrefix),
    timeoutMs: spec.timeout_ms ?? DEFAULT_TIMEOUT_MS,
    auth: spec.auth,
    rateLimit: spec.rate_limit ? { requests: spec.rate_limit.requests, windowMs: spec.rate_limit.window_ms } : null,
    maxRequestBytes: spec.max_request_bytes ?? null,
    source,
    spec,
  };
}

/** True for the OAuth2 schemes, whose credential is exchanged for short-lived access tokens. */
export function usesOAuth2(service: VaultService): boolean {
  return service.auth.type === 'oauth2_client_credentials' || service.auth.type === 'oauth2_refresh_token';
}

/** The public view of a service: what it reaches and allows, never a credential. */
export function describeService(service: VaultService) {
  return {
    id: service.id,
    description: service.description,
    base_url: `${service.origin}${service.basePath}`,
    allowed_methods: [...service.allowedMethods],
    allowed_paths: [...service.allowedPaths],
    auth_type: service.auth.type,
    timeout_ms: service.timeoutMs,
    rate_limit: service.rateLimit
      ? { requests: service.rateLimit.requests, window_ms: service.rateLimit.windowMs }
      : null,
    source: service.source,
  };
}
