import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  buildUsageReport,
  InvalidLimitSettingsError,
  parseGroupBy,
  readBudgetStatusFor,
  type ScopeLimitCompiler,
  UsageQueryError,
} from '../../../admission/index.ts';
import type { Store } from '../../../store/index.ts';
import { GatehouseError, httpError } from '../../errors.ts';
import { TeamParams } from '../admin/schemas.ts';
import { type UsageQuery, UsageQuerySchema, UsageReportSchema } from './schemas.ts';

export interface UsageRoutesDeps {
  store: Store;
  /** Compiles budgets as admission does (the config file's defaults under each scope's own settings). */
  compiler: ScopeLimitCompiler;
}

export interface UsageRoutesOptions {
  usage: UsageRoutesDeps | null;
}

/**
 * A caller bound to a tenant sees that tenant only: the surface authorizes at the caller's own scope, so naming
 * another tenant in the query is refused rather than silently narrowed (the caller learns why the rows are missing).
 */
function tenantFilter(request: FastifyRequest, query: UsageQuery): string | undefined {
  const own = request.gh.principal?.tenantId ?? null;
  if (own === null) return query.tenant;
  if (query.tenant !== undefined && query.tenant !== own) {
    throw httpError('permission_denied', { permission: 'admin.usage.read' }, 'tenant');
  }
  return own;
}

interface TeamPath {
  tenant_id: string;
  team_id: string;
}

/** On the team route the path fixes tenant and team; a query naming others is refused, not silently narrowed. */
function teamFilters(path: TeamPath, query: UsageQuery): UsageQuery {
  if (
    (query.tenant !== undefined && query.tenant !== path.tenant_id) ||
    (query.team !== undefined && query.team !== path.team_id)
  ) {
    throw httpError(
      'invalid_request',
      { detail: 'tenant and team are given by the path' },
      query.team !== undefined ? 'team' : 'tenant',
    );
  }
  return { ...query, tenant: path.tenant_id, team: path.team_id };
}

async function readUsage(
  deps: UsageRoutesDeps | null,
  request: FastifyRequest<{ Querystring: UsageQuery }>,
  path: TeamPath | null = null,
) {
  if (deps === null) throw httpError('store_unavailable');
  // Names in the path and query are already ids: the pipeline resolves them before authorization.
  const query = path === null ? request.query : teamFilters(path, request.query);
  const tenantId = path === null ? tenantFilter(request, query) : path.tenant_id;
  const scope = {
    ...(tenantId === undefined ? {} : { tenantId }),
    ...(query.team === undefined ? {} : { teamId: query.team }),
    ...(query.key === undefined ? {} : { keyId: query.key }),
  };
  try {
    const report = await buildUsageReport(deps.store.read, {
      ...scope,
      ...(query.model === undefined ? {} : { model: query.model }),
      ...(query.session === undefined ? {} : { session: query.session }),
      ...(query.since === undefined ? {} : { since: query.since }),
      ...(query.until === undefined ? {} : { until: query.until }),
      groupBy: parseGroupBy(query.group_by),
    });
    request.gh.setMeta('group_by', report.group_by.join(','));
    request.gh.setMeta('rows', report.data.length);
    const budgets = await readBudgetStatusFor(deps.store, deps.compiler, scope);
    return budgets === null ? report : { ...report, budget_status: budgets };
  } catch (error) {
    if (error instanceof UsageQueryError) throw httpError('invalid_request', { detail: error.message }, error.field);
    // Stored settings that fail validation: admission refuses their requests with the same code.
    if (error instanceof InvalidLimitSettingsError) throw new GatehouseError('internal_error', { cause: error });
    if (error instanceof GatehouseError) throw error;
    throw new GatehouseError('store_unavailable', { cause: error });
  }
}

export async function usageReportRoutes(app: FastifyInstance, options: UsageRoutesOptions): Promise<void> {
  app.get<{ Querystring: UsageQuery }>(
    '/admin/v1/usage',
    {
      config: { surface: 'admin.usage.read' },
      schema: { querystring: UsageQuerySchema, response: { 200: UsageReportSchema } },
    },
    (request) => readUsage(options.usage, request),
  );
  app.get<{ Querystring: UsageQuery; Params: TeamPath }>(
    '/admin/v1/tenants/:tenant_id/teams/:team_id/usage',
    {
      config: { surface: 'admin.team_usage.read' },
      schema: { querystring: UsageQuerySchema, params: TeamParams, response: { 200: UsageReportSchema } },
    },
    (request) => readUsage(options.usage, request, request.params),
  );
}
