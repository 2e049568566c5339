import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeAuditCursor, encodeAuditCursor, parseStatusFilter, verifyStoredChains } from '../../../audit/index.ts';
import { auditRepository } from '../../../store/index.ts';
import { httpError } from '../../errors.ts';
import type { AdminRoutesDeps } from './deps.ts';
import { AuditEventList, AuditExport, AuditVerifyView, NoBody, PromptLogView } from './responses.ts';
import { AuditQuery, PromptLogParams, TenantParams } from './schemas.ts';

type Query = Static<typeof AuditQuery>;

const EXPORT_PAGE = 1000;
const EXPORT_DEFAULT_LIMIT = 10_000;

function isoTime(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw httpError('invalid_request', { detail: `${field} is not an RFC 3339 time` }, field);
  return new Date(time).toISOString();
}

function statusFilter(value: string | undefined) {
  if (value === undefined) return undefined;
  const status = parseStatusFilter(value);
  if (status === null) throw httpError('invalid_request', { detail: 'status must be like 429 or 5xx' }, 'status');
  return status;
}

function cursorFilter(cursor: string | undefined) {
  if (cursor === undefined) return undefined;
  const position = decodeAuditCursor(cursor);
  if (position === null) throw httpError('invalid_request', { detail: 'cursor is malformed' }, 'cursor');
  return position;
}

function toFilter(query: Query, order: 'asc' | 'desc', tenantId?: string): auditRepository.AuditQuery {
  return {
    since: isoTime('since', query.since),
    until: isoTime('until', query.until),
    surface: query.surface,
    principalId: query.principal,
    teamId: query.team,
    outcome: query.outcome,
    status: statusFilter(query.status),
    requestId: query.request_id,
    traceId: query.trace_id,
    model: query.model,
    sessionId: query.session,
    tenantId,
    after: cursorFilter(query.cursor),
    limit: query.limit ?? 100,
    order,
  };
}

async function listPage(deps: AdminRoutesDeps, filter: auditRepository.AuditQuery) {
  const page = await auditRepository.queryAuditEvents(deps.store.read, filter);
  return {
    object: 'list' as const,
    data: page.events,
    next_cursor: page.last === null ? null : encodeAuditCursor(page.last),
  };
}

/** Audit query (newest first, keyset pages), JSON-lines export (oldest first) and chain verification. */
export async function auditRoutes(app: FastifyInstance, deps: AdminRoutesDeps): Promise<void> {
  const { store } = deps;

  app.get<{ Querystring: Query }>(
    '/admin/v1/audit',
    {
      config: { surface: 'admin.audit.query' },
      schema: { querystring: AuditQuery, response: { 200: AuditEventList } },
    },
    async (request) => listPage(deps, toFilter(request.query, 'desc', request.query.tenant)),
  );

  app.get<{ Params: Static<typeof TenantParams>; Querystring: Query }>(
    '/admin/v1/tenants/:tenant_id/audit',
    {
      config: { surface: 'admin.tenant_audit.query' },
      schema: { params: TenantParams, querystring: AuditQuery, response: { 200: AuditEventList } },
    },
    async (request) => {
      // The path fixes the tenant; another one in the query is refused, not silently replaced.
      const tenant = request.params.tenant_id;
      if (request.query.tenant !== undefined && request.query.tenant !== tenant) {
        throw httpError('invalid_request', { detail: 'the tenant is given by the path' }, 'tenant');
      }
      return listPage(deps, toFilter(request.query, 'desc', tenant));
    },
  );

  app.get<{ Querystring: Query }>(
    '/admin/v1/audit/export',
    { config: { surface: 'admin.audit.export' }, schema: { querystring: AuditQuery, response: { 200: AuditExport } } },
    async (request: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
      // `limit` caps the whole export here; it is read page by page so a large one never sits in one query.
      const total = request.query.limit ?? EXPORT_DEFAULT_LIMIT;
      const filter = toFilter(request.query, 'asc', request.query.tenant);
      const lines: string[] = [];
      let last: { ts: string; id: string } | null = null;
      while (lines.length < total) {
        const page = await auditRepository.queryAuditEvents(store.read, {
          ...filter,
          limit: Math.min(EXPORT_PAGE, total - lines.length),
        });
        for (const event of page.events) lines.push(JSON.stringify(event));
        last = page.last;
        if (last === null) break;
        filter.after = last;
      }
      if (last !== null) reply.header('x-gatehouse-next-cursor', encodeAuditCursor(last));
      reply.type('application/x-ndjson');
      return lines.length > 0 ? `${lines.join('\n')}\n` : '';
    },
  );

  app.post(
    '/admin/v1/audit/verify',
    {
      config: { surface: 'admin.audit.verify', body: NoBody, bodyOptional: true },
      schema: { response: { 200: AuditVerifyView } },
    },
    async () => {
      const chains = await verifyStoredChains(store);
      return { ok: chains.every((chain) => chain.ok), chains };
    },
  );

  app.get<{ Params: { request_id: string } }>(
    '/admin/v1/prompt-logs/:request_id',
    {
      config: { surface: 'admin.prompt_logs.read' },
      schema: { params: PromptLogParams, response: { 200: PromptLogView } },
    },
    async (request) => {
      const entry = deps.promptLogs === null ? null : await deps.promptLogs.read(request.params.request_id);
      if (entry === null)
        throw httpError('resource_not_found', { detail: 'No prompt log for this request (not opted in, or expired)' });
      return entry;
    },
  );
}
