/**
 * @module Usage reports from the spend ledger, shared by `GET /admin/v1/usage` and `gatehouse usage`, so the two
 * always agree on filters, grouping and totals.
 */
import type { Kysely } from 'kysely';
import { type Database, type UsageGroupBy, type UsageRow, usageRepository } from '../store/index.ts';

export interface UsageReportInput {
  tenantId?: string;
  teamId?: string;
  keyId?: string;
  model?: string;
  /** The agent session; `''` selects requests that named none. */
  session?: string;
  /** `YYYY-MM-DD` or an RFC 3339 timestamp; the UTC day it falls on is included. */
  since?: string;
  until?: string;
  groupBy?: readonly UsageGroupBy[];
}

export interface UsageTotals {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  /** Requests (and their tokens) of models with no price: their cost is not in cost_usd. */
  unpriced_requests: number;
  unpriced_tokens: number;
  cost_usd: number;
}

const TOTALS = [
  'requests',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'unpriced_requests',
  'unpriced_tokens',
  'cost_usd',
] as const satisfies readonly (keyof UsageTotals)[];

export interface UsageReport {
  object: 'usage_report';
  since: string | null;
  until: string | null;
  group_by: UsageGroupBy[];
  data: UsageRow[];
  totals: UsageTotals;
}

/** A date or timestamp that does not name a real instant; the field is named for the error message. */
export class UsageQueryError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'UsageQueryError';
    this.field = field;
  }
}

const GROUPS: ReadonlySet<string> = new Set(['day', 'tenant', 'team', 'key', 'model', 'session']);

/** The UTC day of a `YYYY-MM-DD` date or RFC 3339 timestamp; rejects impossible dates such as 2026-02-30. */
export function toUtcDay(value: string, field: string): string {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const parsed = Date.parse(dateOnly ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(parsed)) throw new UsageQueryError(field, `"${value}" is not a date (YYYY-MM-DD) or RFC 3339 time`);
  const day = new Date(parsed).toISOString().slice(0, 10);
  // Date.parse rolls 2026-02-30 over to March; a date that does not round-trip did not exist.
  if (dateOnly && day !== value) throw new UsageQueryError(field, `"${value}" is not a calendar date`);
  return day;
}

export function parseGroupBy(value: string | undefined): UsageGroupBy[] {
  if (value === undefined || value === '') return [];
  const groups = value.split(',').map((group) => group.trim());
  for (const group of groups) {
    if (!GROUPS.has(group))
      throw new UsageQueryError('group_by', `"${group}" is not one of day, tenant, team, key, model, session`);
  }
  return [...new Set(groups)] as UsageGroupBy[];
}

export async function buildUsageReport(db: Kysely<Database>, input: UsageReportInput): Promise<UsageReport> {
  const sinceDay = input.since === undefined ? undefined : toUtcDay(input.since, 'since');
  const untilDay = input.until === undefined ? undefined : toUtcDay(input.until, 'until');
  if (sinceDay !== undefined && untilDay !== undefined && sinceDay > untilDay) {
    throw new UsageQueryError('since', 'is after until');
  }
  const groupBy = [...(input.groupBy ?? [])];
  const data = await usageRepository.queryUsage(
    db,
    {
      ...(input.tenantId === undefined ? {} : { tenantId: input.tenantId }),
      ...(input.teamId === undefined ? {} : { teamId: input.teamId }),
      ...(input.keyId === undefined ? {} : { keyId: input.keyId }),
      ...(input.model === undefined ? {} : { model: input.model }),
      ...(input.session === undefined ? {} : { session: input.session }),
      ...(sinceDay === undefined ? {} : { sinceDay }),
      ...(untilDay === undefined ? {} : { untilDay }),
    },
    groupBy,
  );
  const totals = Object.fromEntries(TOTALS.map((name) => [name, 0])) as unknown as UsageTotals;
  for (const row of data) for (const name of TOTALS) totals[name] += row[name];
  return {
    object: 'usage_report',
    since: sinceDay ?? null,
    until: untilDay ?? null,
    group_by: groupBy,
    data,
    totals,
  };
}
