/**
 * @module Usage reports as the pages need them: a report per filter set, rows keyed by day for charts, and the
 * UTC windows budgets are counted in (calendar day and month), so "used" means what the gateway enforces.
 */
import { type Answer, api, must } from './api.ts';
import { can, grantedScopes, type SessionShape, tenantScope } from './session.ts';

export type UsageReport = Answer<'admin.usage.read'>;
export type UsageRow = UsageReport['data'][number];

export interface UsageFilter {
  tenant?: string;
  team?: string;
  key?: string;
  model?: string;
  since?: string;
  until?: string;
  group_by?: string;
}

/**
 * The report for `filter`, through the route the principal may use: `/admin/v1/usage` where it reads usage at the
 * tenant (or platform) scope, else its team's own route (a team admin), else the first team its grants name.
 */
export async function usageReport(filter: UsageFilter, session?: SessionShape): Promise<UsageReport> {
  const query = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== ''));
  const wide =
    session === undefined ||
    can(session, 'admin.usage.read', filter.tenant ? tenantScope(filter.tenant) : 'platform') ||
    (session.principal.tenant_id !== null &&
      can(session, 'admin.usage.read', tenantScope(session.principal.tenant_id)));
  if (wide) return must(api.GET('/admin/v1/usage', { params: { query } }));
  const team =
    filter.tenant && filter.team
      ? { tenantId: filter.tenant, teamId: filter.team }
      : grantedScopes(session).find((s) => s.teamId !== null);
  if (!team?.teamId) return must(api.GET('/admin/v1/usage', { params: { query } }));
  const { tenant: _tenant, team: _team, ...rest } = query;
  return must(
    api.GET('/admin/v1/tenants/{tenant_id}/teams/{team_id}/usage', {
      params: { path: { tenant_id: team.tenantId, team_id: team.teamId }, query: rest },
    }),
  );
}

export function utcDay(offsetDays = 0): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

export function monthStart(): string {
  return `${new Date().toISOString().slice(0, 7)}-01`;
}

/** Every day from `since` to `until` (inclusive), so a chart shows quiet days as zero rather than skipping them. */
export function daysBetween(since: string, until: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${since}T00:00:00Z`); t <= Date.parse(`${until}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days.slice(0, 400);
}

export function perDay(rows: UsageRow[], days: string[], pick: (row: UsageRow) => number): number[] {
  const byDay = new Map<string, number>();
  for (const row of rows) if (row.day) byDay.set(row.day, (byDay.get(row.day) ?? 0) + pick(row));
  return days.map((day) => byDay.get(day) ?? 0);
}

/** RFC 4180 CSV, with every field quoted, and `=`/`+`/`-`/`@` prefixed so a spreadsheet never runs a formula. */
export function toCsv(columns: string[], rows: Array<Record<string, unknown>>): string {
  const quote = (value: unknown) => {
    let text = value === undefined || value === null ? '' : String(value);
    if (typeof value !== 'number' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return `"${text.replaceAll('"', '""')}"`;
  };
  return [columns.map(quote).join(','), ...rows.map((row) => columns.map((c) => quote(row[c])).join(','))].join('\r\n');
}
