import type { Dialect } from '../domain/routing/index.ts';
import { openapiSurfaces } from './openapi/surfaces.ts';
import { adminSurfaces } from './routes/admin/surfaces.ts';
import { anthropicSurfaces } from './routes/anthropic/surfaces.ts';
import { consoleSurfaces } from './routes/console/surfaces.ts';
import { identitySurfaces } from './routes/identity/surfaces.ts';
import { mcpSurfaces } from './routes/mcp/surfaces.ts';
import { ollamaSurfaces } from './routes/ollama/surfaces.ts';
import { openaiSurfaces } from './routes/openai/surfaces.ts';
import { opsSurfaces } from './routes/ops/surfaces.ts';
import { usageSurfaces } from './routes/usage/surfaces.ts';
import { vaultSurfaces } from './routes/vault/surfaces.ts';

/**
 * Every route is a surface (DESIGN §2 invariant 1). A surface names the route, how callers authenticate, the
 * permission(s) it needs, which metadata its audit event may carry, and how sensitive its data is. Startup fails
 * when a route has no entry or an entry has no route; `contracts/surfaces.json` is this table, exported.
 */
export type AuthMode = 'none' | 'key' | 'admin_token' | 'jwt' | 'session';

/**
 * The console's session cookie stands in for an admin token: every surface an admin token may call, the console may
 * call with the same principal and RBAC (issue 16: it uses only the public admin API). `session` alone marks the
 * console's own session routes.
 */
export function acceptsSession(surface: Surface): boolean {
  return surface.auth.includes('session') || surface.auth.includes('admin_token');
}

/**
 * Where the resource a request touches lives, so authorization checks the permission at that scope:
 * `principal` the caller's own scope (data plane), `platform`, `tenant_param` (`:tenant_id`), `team_param`
 * (`:tenant_id` + `:team_id`), `team_id_param` (`:team_id` alone, its tenant looked up), `key_param` (`:key_id`,
 * the key's team). An unknown tenant, team or key resolves to `platform`, where only platform roles reach.
 */
export type ScopeRule = 'principal' | 'platform' | 'tenant_param' | 'team_param' | 'team_id_param' | 'key_param';

export type DataClassification = 'public' | 'internal' | 'confidential' | 'restricted';

export interface Surface {
  id: string;
  method: string;
  /** Route template in Fastify syntax (`/v1/models/:model`). */
  path: string;
  auth: AuthMode[];
  permissions: string[];
  /** Defaults to `principal`. */
  scope?: ScopeRule;
  /** Keys of `AuditEvent.meta` this surface may record; anything else is dropped. */
  auditMeta: string[];
  classification: DataClassification;
  description: string;
  /**
   * The LLM dialect whose clients call this route: its errors are rendered in that dialect's envelope (Ollama
   * clients read `{"error":"<message>"}`). Absent: the OpenAI-style envelope, the default of every other surface.
   */
  dialect?: Dialect;
  /**
   * On a route clients of several dialects share, the request header that marks a client of another one (`GET
   * /v1/models` with `anthropic-version`): its errors are rendered in that dialect's envelope, as its answers are.
   */
  dialectHeader?: { name: string; dialect: Dialect };
}

/** The pseudo-surface every unmatched request is audited under. */
export const UNMATCHED_SURFACE: Surface = {
  id: '__unmatched__',
  method: '*',
  path: '/__unmatched__',
  auth: ['none'],
  permissions: [],
  auditMeta: [],
  classification: 'public',
  description: 'Any request that matches no route.',
};

/**
 * The pseudo-surface of requests Node's HTTP parser rejects before any route could be matched (an invalid method,
 * a NUL in a header, raw non-ASCII in the path, headers over the size limit): their method and path are not
 * trustworthy, so the event records the parser's reason instead.
 */
export const MALFORMED_SURFACE: Surface = {
  id: '__malformed__',
  method: '*',
  path: '/__malformed__',
  auth: ['none'],
  permissions: [],
  auditMeta: ['parse_error', 'source_address'],
  classification: 'public',
  description: 'Any request the HTTP parser rejects.',
};

/**
 * The pseudo-surface of CORS preflights (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) to a surface
 * family that `cors:` opens to browsers: answered by the gateway itself, before authentication (a browser sends no
 * credentials on a preflight). Without `cors:`, preflights are ordinary requests (mostly unmatched, 404).
 */
export const PREFLIGHT_SURFACE: Surface = {
  id: '__preflight__',
  method: 'OPTIONS',
  path: '/__preflight__',
  auth: ['none'],
  permissions: [],
  auditMeta: ['cors_family', 'origin', 'requested_method'],
  classification: 'public',
  description: 'A CORS preflight to a surface family open to browsers.',
};

export const SURFACES: readonly Surface[] = [
  ...adminSurfaces,
  ...consoleSurfaces,
  ...opsSurfaces,
  ...openapiSurfaces,
  ...identitySurfaces,
  ...vaultSurfaces,
  ...usageSurfaces,
  ...openaiSurfaces,
  ...anthropicSurfaces,
  ...ollamaSurfaces,
  ...mcpSurfaces,
];

export function surfaceKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}
