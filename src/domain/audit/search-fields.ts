import type { AuditEvent } from './event.ts';

/** The fields the audit store copies into search columns; verification checks the copies against the body. */
export interface AuditSearchFields {
  team_id: string | null;
  model: string | null;
  trace_id: string | null;
  session_id: string | null;
}

function stringMeta(event: Pick<AuditEvent, 'meta'>, key: string): string | null {
  const value = event.meta[key];
  return typeof value === 'string' ? value : null;
}

/**
 * `model` is the public model name an LLM call asked for; `session_id` the agent session (an MCP session or the
 * session header an agent sends), both from the allow-listed `meta`.
 */
export function auditSearchFields(event: Pick<AuditEvent, 'principal' | 'meta' | 'trace_id'>): AuditSearchFields {
  return {
    team_id: event.principal?.team_id ?? null,
    model: stringMeta(event, 'model'),
    trace_id: event.trace_id ?? null,
    session_id: stringMeta(event, 'session'),
  };
}
