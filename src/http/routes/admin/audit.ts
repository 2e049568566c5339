import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verifyStoredChains } from '../../../audit/index.ts';
import { auditRepository } from '../../../store/index.ts';
import { httpError } from '../../errors.ts';
import type { AdminRoutesDeps } from './deps.ts';
import { AuditEventList, AuditExport, AuditVerifyView } from './responses.ts';
import { AuditQuery, TenantParams } from './schemas.ts';

type Query = Static<typeof AuditQuery>;

function isoTime(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw httpError('invalid_request', { detail: `${field} is not an RFC 3339 time` }, field);
  return new Date(time).toISOString();
}

function toFilter(query: Query, tenantId?: string): auditRepository.AuditQuery {
  return {
    since: isoTime('since', query.since),
    until: isoTime('until', query.until),
    surface: query.surface,
    principalId: query.principal,
    outcome: query.outcome,
    tenantId,
    limit: query.limit ?? 100,
    order: 'desc',
  };
}

/** Audit query (newest first), JSON-lines export (oldest first, streamed in pages) and chain verification. */
export async function auditRoutes(app: FastifyInstance, deps: AdminRoutesDeps): Promise<void> {
  const { store } = deps;

  app.get<{ Querystring: Query }>(
    '/admin/v1/audit',
    {
      config: { surface: 'admin.audit.query' },
      schema: { querystring: AuditQuery, response: { 200: AuditEventList } },
    },
    async (request) => ({
      object: 'list',
      data: await auditRepository.queryAuditEvents(store.read, toFilter(request.query)),
    }),
  );

  app.get<{ Params: Static<typeof TenantParams>; Querystring: Query }>(
    '/admin/v1/tenants/:tenant_id/audit',
    {
      config: { surface: 'admin.tenant_audit.query' },
      schema: { params: TenantParams, querystring: AuditQuery, response: { 200: AuditEventList } },
    },
    async (request) => ({
      object: 'list',
      data: await auditRepository.queryAuditEvents(store.read, toFilter(request.query, request.params.tenant_id)),
    }),
  );

  app.get<{ Querystring: Query }>(
    '/admin/v1/audit/export',
    { config: { surface: 'admin.audit.export' }, schema: { querystring: AuditQuery, response: { 200: AuditExport } } },
    async (request: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
      const filter = { ...toFilter(request.query), order: 'asc' as const, limit: request.query.limit ?? 10_000 };
      const events = await auditRepository.queryAuditEvents(store.read, filter);
      reply.type('application/x-ndjson');
      return events.map((event) => JSON.stringify(event)).join('\n') + (events.length > 0 ? '\n' : '');
    },
  );

  app.post(
    '/admin/v1/audit/verify',
    { config: { surface: 'admin.audit.verify' }, schema: { response: { 200: AuditVerifyView } } },
    async () => {
      const chains = await verifyStoredChains(store);
      return { ok: chains.every((chain) => chain.ok), chains };
    },
  );
}
