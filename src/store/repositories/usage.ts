import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { LedgerDelta } from '../../domain/limits/index.ts';
import type { Database } from '../schema.ts';

/** One aggregated increment of the spend ledger. */
export type UsageIncrement = LedgerDelta;

export type UsageGroupBy = 'day' | 'tenant' | 'team' | 'key' | 'model' | 'session';

export interface UsageFilter {
  tenantId?: string;
  teamId?: string;
  keyId?: string;
  model?: string;
  session?: string;
  /** Inclusive UTC days, `YYYY-MM-DD`. */
  sinceDay?: string;
  untilDay?: string;
}

export interface UsageRow {
  day?: string;
  tenant_id?: string;
  team_id?: string;
  key_id?: string;
  model?: string;
  session?: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  unpriced_requests: number;
  unpriced_tokens: number;
  cost_usd: number;
}

const GROUP_COLUMNS = {
  day: 'day',
  tenant: 'tenant_id',
  team: 'team_id',
  key: 'key_id',
  model: 'model',
  session: 'session',
} as const;

/** The summed counters, in the order the SQLite statement binds them after the key columns. */
const COUNTERS = [
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
] as const;

/**
 * Adds increments in one transaction with one upsert statement. The caller aggregates first, so a combination
 * appears at most once per call (PostgreSQL refuses to update one row twice in a single ON CONFLICT statement).
 */
export async function addUsage(db: Kysely<Database>, increments: readonly UsageIncrement[], now = Date.now()) {
  if (increments.length === 0) return;
  const rows = increments.map((i) => ({
    day: i.day,
    tenant_id: i.tenantId,
    team_id: i.teamId,
    key_id: i.keyId,
    model: i.model,
    session: i.session,
    requests: i.requests,
    prompt_tokens: i.promptTokens,
    completion_tokens: i.completionTokens,
    total_tokens: i.totalTokens,
    cache_read_tokens: i.cacheReadTokens,
    cache_write_tokens: i.cacheWriteTokens,
    reasoning_tokens: i.reasoningTokens,
    unpriced_requests: i.unpricedRequests,
    unpriced_tokens: i.unpricedTokens,
    cost_usd: i.costUsd,
    updated_at: now,
  }));
  await db
    .insertInto('usage_daily')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['day', 'tenant_id', 'team_id', 'key_id', 'model', 'session']).doUpdateSet(() => {
        const sums: Record<string, RawBuilder<number>> = {};
        for (const counter of COUNTERS)
          sums[counter] = sql<number>`usage_daily.${sql.ref(counter)} + excluded.${sql.ref(counter)}`;
        return { ...sums, updated_at: sql<number>`excluded.updated_at` };
      }),
    )
    .execute();
}

/** Sums usage matching `filter`, one row per distinct value of the `groupBy` columns (one row in all when none). */
export async function queryUsage(
  db: Kysely<Database>,
  filter: UsageFilter,
  groupBy: readonly UsageGroupBy[],
): Promise<UsageRow[]> {
  const columns = groupBy.map((group) => GROUP_COLUMNS[group]);
  let query = db
    .selectFrom('usage_daily')
    .select((eb) => COUNTERS.map((counter) => eb.fn.sum<number>(counter).as(counter)))
    .select(columns);
  if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
  if (filter.teamId !== undefined) query = query.where('team_id', '=', filter.teamId);
  if (filter.keyId !== undefined) query = query.where('key_id', '=', filter.keyId);
  if (filter.model !== undefined) query = query.where('model', '=', filter.model);
  if (filter.session !== undefined) query = query.where('session', '=', filter.session);
  if (filter.sinceDay !== undefined) query = query.where('day', '>=', filter.sinceDay);
  if (filter.untilDay !== undefined) query = query.where('day', '<=', filter.untilDay);
  if (columns.length > 0) query = query.groupBy(columns).orderBy(columns);
  const rows = await query.execute();
  const out: UsageRow[] = [];
  for (const row of rows) {
    // An aggregate over no rows is one row of NULLs; report it as nothing rather than as zeros.
    if (row.requests === null) continue;
    const numbers: Record<string, unknown> = { ...row };
    for (const counter of COUNTERS) numbers[counter] = Number(row[counter]);
    out.push(numbers as unknown as UsageRow);
  }
  return out;
}

const LEVEL_COLUMNS = { tenant: 'tenant_id', team: 'team_id', key: 'key_id' } as const;

/** One tenant's, team's or key's spend over the inclusive day range (open-ended when `sinceDay` is null). */
export async function sumScopeSpend(
  db: Kysely<Database>,
  scope: { level: keyof typeof LEVEL_COLUMNS; id: string },
  sinceDay: string | null,
  untilDay: string,
): Promise<{ totalTokens: number; costUsd: number }> {
  let query = db
    .selectFrom('usage_daily')
    .select([
      sql<number>`coalesce(sum(total_tokens), 0)`.as('tokens'),
      sql<number>`coalesce(sum(cost_usd), 0)`.as('cost'),
    ])
    .where(LEVEL_COLUMNS[scope.level], '=', scope.id)
    .where('day', '<=', untilDay);
  if (sinceDay !== null) query = query.where('day', '>=', sinceDay);
  const row = await query.executeTakeFirst();
  return { totalTokens: Number(row?.tokens ?? 0), costUsd: Number(row?.cost ?? 0) };
}
