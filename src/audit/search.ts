/**
 * @module Parsing shared by the audit API and the CLI: status filters and the opaque keyset cursor. Both return
 * null for malformed input; each caller reports it in its own way (a 400 naming the parameter, exit code 2).
 */

export interface AuditPosition {
  ts: string;
  id: string;
}

export type StatusFilter = number | { min: number; max: number };

/** `429` is that status; `4xx` is 400..499. Anything else is null. */
export function parseStatusFilter(value: string): StatusFilter | null {
  const match = /^([1-5])(xx|[0-9][0-9])$/.exec(value);
  if (match === null) return null;
  const hundreds = Number(match[1]) * 100;
  return match[2] === 'xx' ? { min: hundreds, max: hundreds + 99 } : hundreds + Number(match[2]);
}

/** The keyset position `ts|id` of a page's last event, base64url-encoded so clients treat it as opaque. */
export function encodeAuditCursor(position: AuditPosition): string {
  return Buffer.from(`${position.ts}|${position.id}`).toString('base64url');
}

export function decodeAuditCursor(cursor: string): AuditPosition | null {
  const match = /^([0-9TZ:.-]{20,30})\|([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match === null ? null : { ts: match[1] as string, id: match[2] as string };
}
