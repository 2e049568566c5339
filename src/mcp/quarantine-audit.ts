/**
 * @module The audit record of a quarantine. A changed definition is noticed while listing (at start, on
 * `list_changed`, on a refresh), often outside any request, yet it must be in the tamper-evident chain: it is
 * the evidence that a server changed a tool after approval. It is written as an event of its own.
 */
import type { AuditEventDraft } from '../domain/audit/index.ts';
import { uuidv7 } from '../domain/ids.ts';
import type { QuarantineEvent } from './registry.ts';

export const QUARANTINE_SURFACE = 'mcp.tool_quarantined';

export function quarantineAuditDraft(event: QuarantineEvent, regionId: string, now = Date.now()): AuditEventDraft {
  return {
    id: uuidv7(now),
    ts: new Date(now).toISOString(),
    request_id: uuidv7(now),
    region: regionId,
    principal: null,
    surface: QUARANTINE_SURFACE,
    method: 'NOTIFY',
    path: '/mcp/v1/servers/:server/tools',
    status: 409,
    outcome: 'denied',
    latency_ms: 0,
    authz: null,
    upstream: { id: event.server, target: event.tool, attempts: 1 },
    usage: null,
    error_code: 'tool_quarantined',
    meta: { server: event.server, tool: event.tool, tool_sha256: event.sha256 },
  };
}
