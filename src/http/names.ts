import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { UUID_PATTERN } from '../domain/ids.ts';
import type { Principal } from '../domain/principal.ts';
import { httpError } from './errors.ts';

/**
 * An id (UUID) or a name (the name rules of tenants and teams). A value shaped like a UUID is always read as an id,
 * so a name can never shadow one.
 */
export const ID_OR_NAME_PATTERN = `^(${UUID_PATTERN.replace(/^\^|\$$/g, '')}|[A-Za-z0-9][A-Za-z0-9._-]{0,63})$`;
const UUID = new RegExp(UUID_PATTERN);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Schemas of the parameters the resolver below reads; one description everywhere so the document says one thing. */
export const TenantRef = (description = 'A tenant id, or the tenant name.') =>
  Type.String({ pattern: ID_OR_NAME_PATTERN, description });
export const TeamRef = (description = 'A team id, or a team name within the tenant of the path or of `tenant`.') =>
  Type.String({ pattern: ID_OR_NAME_PATTERN, description });

export interface NameLookups {
  tenantNamed(name: string): string | undefined;
  teamNamed(tenantId: string, name: string): string | undefined;
  /** Reloads the snapshot (shared and rate-limited), so a tenant or team created a moment ago elsewhere is found. */
  refreshOnMiss(): Promise<void>;
}

async function find(lookups: NameLookups, lookup: () => string | undefined): Promise<string | undefined> {
  const found = lookup();
  if (found !== undefined) return found;
  await lookups.refreshOnMiss();
  return lookup();
}

/** The tenants whose names a caller may resolve: it must not learn whether any other tenant or team exists. */
export type TenantVisibility = (principal: Principal, tenantId: string) => boolean;

type Refs = Record<string, unknown>;

/** Where a route names a tenant or team: path parameters (`/tenants/:tenant_id/teams/:team_id`) or query filters. */
const TENANT_KEYS = [
  ['params', 'tenant_id'],
  ['query', 'tenant'],
] as const;
const TEAM_KEYS = [
  ['params', 'team_id'],
  ['query', 'team'],
] as const;

/** Anything neither a UUID nor a name is left to the route's validation, which says what is wrong with it. */
function isName(value: unknown): value is string {
  return typeof value === 'string' && NAME.test(value) && !UUID.test(value);
}

/**
 * Rewrites tenant and team names in an admin request's path and query to ids, in place, before authorization: RBAC,
 * validation and the handler then see exactly what the ids would have given, so a name can never reach further than
 * its id. An unknown name, or one outside the caller's visible tenants, is one 404 naming it (the two look alike); a
 * team name with no tenant to look it up in is a 400 saying to add `tenant`.
 */
export async function resolveNames(
  request: FastifyRequest,
  principal: Principal,
  lookups: NameLookups,
  visible: TenantVisibility,
): Promise<void> {
  const parts: Record<'params' | 'query', Refs> = {
    params: (request.params ?? {}) as Refs,
    query: (request.query ?? {}) as Refs,
  };
  for (const [part, key] of TENANT_KEYS) {
    const value = parts[part][key];
    if (!isName(value)) continue;
    const id = await find(lookups, () => lookups.tenantNamed(value));
    if (id === undefined || !visible(principal, id)) {
      throw httpError('resource_not_found', { detail: `No tenant named "${value}"` }, key);
    }
    parts[part][key] = id;
  }
  for (const [part, key] of TEAM_KEYS) {
    const value = parts[part][key];
    if (!isName(value)) continue;
    const given = parts.params.tenant_id ?? parts.query.tenant ?? principal.tenantId;
    if (typeof given !== 'string') {
      throw httpError(
        'invalid_request',
        {
          detail: `the team name "${value}" is unique only within its tenant: add tenant=<tenant id or name>, or use the team id`,
        },
        key,
      );
    }
    const id =
      UUID.test(given) && visible(principal, given)
        ? await find(lookups, () => lookups.teamNamed(given, value))
        : undefined;
    if (id === undefined) throw httpError('resource_not_found', { detail: `No team named "${value}"` }, key);
    parts[part][key] = id;
  }
}
