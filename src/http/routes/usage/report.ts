import type { FastifyInstance, FastifyRequest } from 'fastify';
import { buildUsageReport, parseGroupBy, type SpendLedger, UsageQueryError } from '../../../admission/index.ts';
import type { Store } from '../../../store/index.ts';
import { GatehouseError, httpError } from '../../errors.ts';
import { type UsageQuery, UsageQuerySchema } from './schemas.ts';

export interface UsageRoutesDeps {
  store: Store;
  ledger: SpendLedger | null;
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

async function readUsage(deps: UsageRoutesDeps | null, request: FastifyRequest<{ Querystring: UsageQuery }>) {
  if (deps === null) throw httpError('store_unavailable');
  const query = request.query;
  const tenantId = tenantFilter(request, query);
  // This instance's not-yet-committed spend is included; other instances' lags by at most their flush interval.
  await deps.ledger?.flush().catch(() => {});
  try {
    const report = await buildUsageReport(deps.store.read, {
      ...(tenantId === undefined ? {} : { tenantId }),
      ...(query.team === undefined ? {} : { teamId: query.team }),
      ...(query.key === undefined ? {} : { keyId: query.key }),
      ...(query.model === undefined ? {} : { model: query.model }),
      ...(query.since === undefined ? {} : { since: query.since }),
      ...(query.until === undefined ? {} : { until: query.until }),
      groupBy: parseGroupBy(query.group_by),
    });
    request.gh.setMeta('group_by', report.group_by.join(','));
    request.gh.setMeta('rows', report.data.length);
    return report;
  } catch (error) {
    if (error instanceof UsageQueryError) throw httpError('invalid_request', { detail: error.message }, error.field);
    if (error instanceof GatehouseError) throw error;
    throw new GatehouseError('store_unavailable', { cause: error });
  }
}

export async function usageReportRoutes(app: FastifyInstance, options: UsageRoutesOptions): Promise<void> {
  app.get<{ Querystring: UsageQuery }>(
    '/admin/v1/usage',
    { config: { surface: 'admin.usage.read' }, schema: { querystring: UsageQuerySchema } },
    (request) => readUsage(options.usage, request),
  );
}
