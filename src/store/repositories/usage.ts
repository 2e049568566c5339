import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.ts';

/** One aggregated increment of the spend ledger. */
export interface UsageIncrement {
  day: string;
  tenantId: string;
  teamId: string;
  keyId: string;
  model: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
}

export type UsageGroupBy = 'day' | 'tenant' | 'team' | 'key' | 'model';

export interface UsageFilter {
  tenantId?: string;
  teamId?: string;
  keyId?: string;
  model?: string;
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
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost_usd: number;
}

const GROUP_COLUMNS = { day: 'day', tenant: 'tenant_id', team: 'team_id', key: 'key_id', model: 'model' } as const;

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
    requests: i.requests,
    prompt_tokens: i.promptTokens,
    completion_tokens: i.completionTokens,
    total_tokens: i.totalTokens,
    cost_usd: i.costUsd,
    updated_at: now,
  }));
  await db
    .insertInto('usage_daily')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['day', 'tenant_id', 'team_id', 'key_id', 'model']).doUpdateSet((eb) => ({
        requests: eb('usage_daily.requests', '+', eb.ref('excluded.requests')),
        prompt_tokens: eb('usage_daily.prompt_tokens', '+', eb.ref('excluded.prompt_tokens')),
        completion_tokens: eb('usage_daily.completion_tokens', '+', eb.ref('excluded.completion_tokens')),
        total_tokens: eb('usage_daily.total_tokens', '+', eb.ref('excluded.total_tokens')),
        cost_usd: eb('usage_daily.cost_usd', '+', eb.ref('excluded.cost_usd')),
        updated_at: eb.ref('excluded.updated_at'),
      })),
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
    .select((eb) => [
      eb.fn.sum<number>('requests').as('requests'),
      eb.fn.sum<number>('prompt_tokens').as('prompt_tokens'),
      eb.fn.sum<number>('completion_tokens').as('completion_tokens'),
      eb.fn.sum<number>('total_tokens').as('total_tokens'),
      eb.fn.sum<number>('cost_usd').as('cost_usd'),
    ])
    .select(columns);
  if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
  if (filter.teamId !== undefined) query = query.where('team_id', '=', filter.teamId);
  if (filter.keyId !== undefined) query = query.where('key_id', '=', filter.keyId);
  if (filter.model !== undefined) query = query.where('model', '=', filter.model);
  if (filter.sinceDay !== undefined) query = query.where('day', '>=', filter.sinceDay);
  if (filter.untilDay !== undefined) query = query.where('day', '<=', filter.untilDay);
  if (columns.length > 0) query = query.groupBy(columns).orderBy(columns);
  const rows = await query.execute();
  const out: UsageRow[] = [];
  for (const row of rows) {
    // An aggregate over no rows is one row of NULLs; report it as nothing rather than as zeros.
    if (row.requests === null) continue;
    out.push({
      ...row,
      requests: Number(row.requests),
      prompt_tokens: Number(row.prompt_tokens),
      completion_tokens: Number(row.completion_tokens),
      total_tokens: Number(row.total_tokens),
      cost_usd: Number(row.cost_usd),
    } as UsageRow);
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
