/**
 * @module CORS for browser clients (issue 13), per surface family, as `cors:` configures it (src/config/cors.ts).
 * Without the section nothing here runs and no response carries a CORS header.
 *
 * Preflights to an open family are answered here, before authentication (browsers send no credentials on one),
 * under the `__preflight__` pseudo-surface: 204 with the allow headers, or, for an origin, method or header the
 * family does not allow, 403 `cors_not_allowed` in the target surface's error envelope and without any allow
 * header. Either way the request gets its one audit event. Other requests from an allowed origin get
 * `Access-Control-Allow-Origin` (and the exposed headers) on every answer, errors and streams included; from any
 * other origin they are served as usual, without CORS headers, so the browser withholds the answer.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CORS_FAMILIES, type CorsConfig, type CorsFamily, type CorsFamilyConfig } from '../config/index.ts';
import type { Dialect } from '../domain/routing/index.ts';
import { httpError } from './errors.ts';
import { PREFLIGHT_SURFACE, type Surface, UNMATCHED_SURFACE } from './surfaces.ts';

/** Where each family's routes live: a path belongs to a family when it is one of its roots or lies below one. */
const FAMILY_ROOTS: ReadonlyArray<readonly [string, CorsFamily]> = [
  ['/v1', 'llm'],
  ['/api', 'llm'],
  ['/mcp', 'mcp'],
  ['/.well-known/oauth-protected-resource', 'mcp'],
  ['/vault', 'vault'],
  ['/gatehouse/v1/vault', 'vault'],
  ['/admin/v1', 'admin'],
];

/** The family of a route template or request path; null for routes no browser origin is ever let in on. */
export function corsFamilyOf(path: string): CorsFamily | null {
  for (const [root, family] of FAMILY_ROOTS) {
    if (path.startsWith(root) && (path.length === root.length || path.charCodeAt(root.length) === 0x2f)) {
      return family;
    }
  }
  return null;
}

/** What a `*` surface (the vault proxy) may be called with. */
const ANY_METHOD = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Longest origin or method quoted back in an error message or an audit event. */
const MAX_ECHO = 200;

function clip(value: string): string {
  return value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}…` : value;
}

/** One family's policy, with every header value it writes joined once, at startup. */
class FamilyPolicy {
  readonly name: CorsFamily;
  readonly #origins: ReadonlySet<string> | null;
  readonly #exactHeaders: ReadonlySet<string>;
  readonly #headerPrefixes: readonly string[];
  readonly #methods: ReadonlySet<string>;
  readonly allowMethods: string;
  readonly exposeHeaders: string | null;
  readonly maxAge: string;
  readonly credentials: boolean;

  constructor(name: CorsFamily, config: CorsFamilyConfig, methods: readonly string[]) {
    this.name = name;
    this.#origins = config.origins === null ? null : new Set(config.origins);
    this.#exactHeaders = new Set(config.allowedHeaders.filter((header) => !header.endsWith('*')));
    this.#headerPrefixes = config.allowedHeaders.filter((header) => header.endsWith('*')).map((h) => h.slice(0, -1));
    this.#methods = new Set(methods);
    this.allowMethods = methods.join(', ');
    this.exposeHeaders = config.exposedHeaders.length === 0 ? null : config.exposedHeaders.join(', ');
    this.maxAge = String(config.maxAgeSeconds);
    this.credentials = config.allowCredentials;
  }

  /** Listed origins get their own origin back, so caches must key on it; `*` is the same for everyone. */
  get varies(): boolean {
    return this.#origins !== null;
  }

  allowsOrigin(origin: string): boolean {
    return this.#origins === null || this.#origins.has(origin);
  }

  /** What `Access-Control-Allow-Origin` says to an allowed origin. */
  allowOrigin(origin: string): string {
    return this.#origins === null ? '*' : origin;
  }

  allowsMethod(method: string): boolean {
    return this.#methods.has(method);
  }

  allowsHeader(name: string): boolean {
    return this.#exactHeaders.has(name) || this.#headerPrefixes.some((prefix) => name.startsWith(prefix));
  }
}

/** The families `cors:` opens, and what a refused preflight's error envelope is per target path. */
export class CorsPolicy {
  readonly #families: ReadonlyMap<CorsFamily, FamilyPolicy>;
  /** The preflight pseudo-surface in each dialect's envelope, keyed by the static paths of dialect surfaces. */
  readonly #preflightByPath: ReadonlyMap<string, Surface>;
  readonly #preflightByDialect: ReadonlyMap<Dialect, Surface>;

  private constructor(config: CorsConfig, surfaces: readonly Surface[]) {
    const methods = new Map<CorsFamily, Set<string>>();
    for (const surface of surfaces) {
      const family = corsFamilyOf(surface.path);
      if (family === null) continue;
      const set = methods.get(family) ?? new Set<string>();
      for (const method of surface.method === '*' ? ANY_METHOD : [surface.method]) set.add(method);
      methods.set(family, set);
    }
    const families = new Map<CorsFamily, FamilyPolicy>();
    for (const name of CORS_FAMILIES) {
      const entry = config[name];
      if (entry !== undefined) families.set(name, new FamilyPolicy(name, entry, [...(methods.get(name) ?? [])]));
    }
    this.#families = families;
    const byDialect = new Map<Dialect, Surface>();
    const byPath = new Map<string, Surface>();
    for (const surface of surfaces) {
      if (surface.dialect === undefined) continue;
      let preflight = byDialect.get(surface.dialect);
      if (preflight === undefined) {
        preflight = { ...PREFLIGHT_SURFACE, dialect: surface.dialect };
        byDialect.set(surface.dialect, preflight);
      }
      if (!surface.path.includes(':') && !surface.path.includes('*')) byPath.set(surface.path, preflight);
    }
    this.#preflightByPath = byPath;
    this.#preflightByDialect = byDialect;
  }

  /** Null when `cors:` opens no family: then no hook runs and nothing is ever written. */
  static fromConfig(config: CorsConfig, surfaces: readonly Surface[]): CorsPolicy | null {
    return Object.keys(config).length === 0 ? null : new CorsPolicy(config, surfaces);
  }

  familyOf(path: string): FamilyPolicy | null {
    const family = corsFamilyOf(path);
    return family === null ? null : (this.#families.get(family) ?? null);
  }

  /** The preflight's own surface, speaking the error envelope of the route it asks about. */
  preflightSurface(target: Surface, path: string): Surface {
    const byTarget = target.dialect === undefined ? undefined : this.#preflightByDialect.get(target.dialect);
    return byTarget ?? this.#preflightByPath.get(path) ?? PREFLIGHT_SURFACE;
  }
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function requestedHeaders(value: string | string[] | undefined): string[] {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name.length > 0);
}

/** Answers an allowed preflight: 204 with the allow headers, nothing else. */
function allowPreflight(family: FamilyPolicy, request: FastifyRequest, reply: FastifyReply, origin: string): void {
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
  headers['access-control-allow-origin'] = family.allowOrigin(origin);
  headers['access-control-allow-methods'] = family.allowMethods;
  const asked = requestedHeaders(request.headers['access-control-request-headers']);
  // The names asked for, every one checked: a prefix pattern cannot be written back as such.
  if (asked.length > 0) headers['access-control-allow-headers'] = asked.join(', ');
  headers['access-control-max-age'] = family.maxAge;
  if (family.credentials) headers['access-control-allow-credentials'] = 'true';
  if (family.varies) headers.vary = 'Origin';
  headers['content-length'] = 0;
  // Written raw: the route's own handler and the hooks after this one must not run for a preflight.
  reply.hijack();
  reply.raw.writeHead(204, headers);
  reply.raw.end();
}

function answerPreflight(
  policy: CorsPolicy,
  family: FamilyPolicy,
  request: FastifyRequest,
  reply: FastifyReply,
  origin: string,
  method: string,
): void {
  const context = request.gh;
  context.surface = policy.preflightSurface(context.surface, pathOf(request.url));
  context.setMeta('cors_family', family.name);
  context.setMeta('origin', clip(origin));
  context.setMeta('requested_method', clip(method));
  const where = `the ${family.name} surfaces`;
  if (!family.allowsOrigin(origin)) {
    throw httpError('cors_not_allowed', { detail: `origin ${clip(origin)} may not call ${where}` });
  }
  if (!family.allowsMethod(method)) {
    throw httpError('cors_not_allowed', {
      detail: `method ${clip(method)} is not served on ${where} (${family.allowMethods})`,
    });
  }
  const refused = requestedHeaders(request.headers['access-control-request-headers']).find(
    (name) => !family.allowsHeader(name),
  );
  if (refused !== undefined) {
    throw httpError('cors_not_allowed', {
      detail: `header ${clip(refused)} is not allowed on ${where} (cors.${family.name}.allowed_headers)`,
    });
  }
  allowPreflight(family, request, reply, origin);
}

/**
 * The pipeline's CORS stage, after the request has its context and before authentication. Returns true when it
 * answered the request (an allowed preflight); throws `cors_not_allowed` for a refused one.
 */
export function applyCors(policy: CorsPolicy, request: FastifyRequest, reply: FastifyReply): boolean {
  const { surface } = request.gh;
  const family = policy.familyOf(surface === UNMATCHED_SURFACE ? pathOf(request.url) : surface.path);
  if (family === null) return false;
  const origin = request.headers.origin;
  const method = request.headers['access-control-request-method'];
  if (request.method === 'OPTIONS' && origin !== undefined && typeof method === 'string') {
    answerPreflight(policy, family, request, reply, origin, method);
    return true;
  }
  // On the raw response, so answers written past Fastify (streams, the MCP transport) carry them as well.
  const raw = reply.raw;
  if (family.varies) raw.setHeader('vary', 'Origin');
  if (origin === undefined || !family.allowsOrigin(origin)) return false;
  raw.setHeader('access-control-allow-origin', family.allowOrigin(origin));
  if (family.credentials) raw.setHeader('access-control-allow-credentials', 'true');
  if (family.exposeHeaders !== null) raw.setHeader('access-control-expose-headers', family.exposeHeaders);
  return false;
}
