/**
 * @module The `cors:` section: which browser origins may call each surface family (issue 13, browser clients).
 * Absent (the default), the gateway writes no CORS header at all. Origins are an exact list, checked at load to
 * be written as browsers send them, so a trailing slash or an upper-case host never silently matches nothing.
 */
import { type Static, Type } from '@sinclair/typebox';
import { ConfigError } from './errors.ts';

/** The surface families a browser may be allowed to call; the HTTP layer maps routes to them. */
export const CORS_FAMILIES = ['llm', 'mcp', 'vault', 'admin'] as const;
export type CorsFamily = (typeof CORS_FAMILIES)[number];

const FamilySchema = Type.Object(
  {
    /** Origins as browsers send them (`https://app.example.com`, `http://localhost:5173`), or `['*']`. */
    allowed_origins: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    /** Request headers a browser may send; a trailing `*` allows a prefix (`x-stainless-*`). Replaces the defaults. */
    allowed_headers: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Response headers a browser script may read. Replaces the defaults. */
    exposed_headers: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Seconds a browser may cache a preflight's answer (`Access-Control-Max-Age`). */
    max_age: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
    /** Sends `Access-Control-Allow-Credentials: true` (cookies, TLS client certificates); needs listed origins. */
    allow_credentials: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const CorsSectionSchema = Type.Object(
  {
    llm: Type.Optional(FamilySchema),
    mcp: Type.Optional(FamilySchema),
    vault: Type.Optional(FamilySchema),
    admin: Type.Optional(FamilySchema),
  },
  { additionalProperties: false },
);

export interface CorsFamilyConfig {
  /** Exact origins; null when any origin is allowed (`'*'`). */
  origins: readonly string[] | null;
  /** Lower-case header names; an entry ending in `*` is a prefix. */
  allowedHeaders: readonly string[];
  exposedHeaders: readonly string[];
  maxAgeSeconds: number;
  allowCredentials: boolean;
}

export type CorsConfig = Partial<Record<CorsFamily, CorsFamilyConfig>>;

const TRACE_HEADERS = ['traceparent', 'tracestate'];
const ANSWER_HEADERS = ['x-gatehouse-request-id', 'x-gatehouse-trace-id', 'x-gatehouse-error-code', 'retry-after'];
const RATE_HEADERS = ['requests', 'tokens'].flatMap((kind) =>
  ['limit', 'remaining', 'reset'].map((what) => `x-ratelimit-${what}-${kind}`),
);

/**
 * What each family's clients send and read. LLM: the OpenAI and Anthropic SDKs in a browser send their
 * `x-stainless-*` telemetry headers, and the Anthropic SDK `anthropic-dangerous-direct-browser-access`.
 * MCP: the streamable HTTP transport's session and version headers, and `last-event-id` to resume a stream.
 */
const DEFAULTS: Record<CorsFamily, { allowed: string[]; exposed: string[] }> = {
  llm: {
    allowed: [
      'authorization',
      'content-type',
      'x-api-key',
      'anthropic-version',
      'anthropic-beta',
      'anthropic-dangerous-direct-browser-access',
      'x-stainless-*',
      'x-gatehouse-model',
      'x-gatehouse-session',
      ...TRACE_HEADERS,
    ],
    exposed: [...ANSWER_HEADERS, 'x-gatehouse-overhead-ms', ...RATE_HEADERS],
  },
  mcp: {
    allowed: [
      'authorization',
      'content-type',
      'x-api-key',
      'mcp-protocol-version',
      'mcp-session-id',
      'last-event-id',
      ...TRACE_HEADERS,
    ],
    exposed: [...ANSWER_HEADERS, 'mcp-session-id', 'mcp-protocol-version', 'www-authenticate'],
  },
  vault: {
    allowed: ['authorization', 'content-type', 'x-api-key', 'idempotency-key', ...TRACE_HEADERS],
    exposed: [...ANSWER_HEADERS, 'idempotent-replayed'],
  },
  admin: {
    allowed: ['authorization', 'content-type', 'idempotency-key', 'if-match', ...TRACE_HEADERS],
    exposed: [...ANSWER_HEADERS, 'etag', 'location'],
  },
};

/** RFC 9110 §5.6.2 `token`: what a header name may be spelt with. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const DEFAULT_MAX_AGE_SECONDS = 600;

function checkOrigin(value: string, field: string): string {
  if (value === 'null') {
    throw new ConfigError(
      field,
      'the "null" origin is shared by every sandboxed frame and file: page; list real origins',
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(field, `"${value}" is not an origin (scheme://host[:port], e.g. https://app.example.com)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(field, `"${value}" is not an http or https origin`);
  }
  // Browsers send the serialised origin: lower-case host, no default port, no path. Anything else never matches.
  if (url.origin !== value) {
    throw new ConfigError(field, `"${value}" is not written as browsers send it: use "${url.origin}"`);
  }
  return value;
}

function checkHeaders(names: readonly string[], field: string, patterns: boolean): string[] {
  return names.map((name, index) => {
    const lower = name.trim().toLowerCase();
    const bare = patterns && lower.endsWith('*') ? lower.slice(0, -1) : lower;
    if (bare.length === 0) {
      throw new ConfigError(
        `${field}.${index}`,
        'name the headers; a prefix pattern such as x-stainless-* is accepted',
      );
    }
    if (!TOKEN.test(bare) || bare.includes('*')) {
      throw new ConfigError(`${field}.${index}`, `"${name}" is not a header name`);
    }
    return lower;
  });
}

function resolveFamily(family: CorsFamily, section: Static<typeof FamilySchema>): CorsFamilyConfig {
  const field = `cors.${family}`;
  const credentials = section.allow_credentials ?? false;
  const wildcard = section.allowed_origins.includes('*');
  if (wildcard && section.allowed_origins.length > 1) {
    throw new ConfigError(`${field}.allowed_origins`, '"*" allows every origin; list origins or give "*" alone');
  }
  if (wildcard && credentials) {
    throw new ConfigError(
      `${field}.allowed_origins`,
      '"*" cannot be combined with allow_credentials: true (browsers refuse it); list the origins',
    );
  }
  const defaults = DEFAULTS[family];
  return {
    origins: wildcard
      ? null
      : section.allowed_origins.map((origin, index) => checkOrigin(origin, `${field}.allowed_origins.${index}`)),
    allowedHeaders: checkHeaders(section.allowed_headers ?? defaults.allowed, `${field}.allowed_headers`, true),
    exposedHeaders: checkHeaders(section.exposed_headers ?? defaults.exposed, `${field}.exposed_headers`, false),
    maxAgeSeconds: section.max_age ?? DEFAULT_MAX_AGE_SECONDS,
    allowCredentials: credentials,
  };
}

/** The families a browser may call, each checked; an empty object (no section) writes no CORS header anywhere. */
export function resolveCorsConfig(section: Static<typeof CorsSectionSchema> | undefined): CorsConfig {
  const out: CorsConfig = {};
  for (const family of CORS_FAMILIES) {
    const entry = section?.[family];
    if (entry !== undefined) out[family] = resolveFamily(family, entry);
  }
  return out;
}
