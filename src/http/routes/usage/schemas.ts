import { type Static, Type } from '@sinclair/typebox';
import { TeamRef, TenantRef } from '../../names.ts';

/** `YYYY-MM-DD` (a UTC day) or an RFC 3339 timestamp, of which the UTC day counts. */
const DAY_OR_TIME =
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2}))?$';

export const USAGE_GROUPS = ['day', 'tenant', 'team', 'key', 'model', 'session'] as const;

export const UsageQuerySchema = Type.Object(
  {
    tenant: Type.Optional(TenantRef()),
    team: Type.Optional(TeamRef("A team id, or a team name within `tenant` (or the caller's tenant).")),
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    session: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$',
        description: 'An agent session id (the session header an agent sent).',
      }),
    ),
    since: Type.Optional(Type.String({ pattern: DAY_OR_TIME })),
    until: Type.Optional(Type.String({ pattern: DAY_OR_TIME })),
    group_by: Type.Optional(
      Type.String({
        pattern: `^(${USAGE_GROUPS.join('|')})(,(${USAGE_GROUPS.join('|')}))*$`,
        description: 'Comma list; `session` groups by agent session (`""` for requests that named none).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type UsageQuery = Static<typeof UsageQuerySchema>;

const Totals = {
  requests: Type.Integer(),
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  total_tokens: Type.Integer(),
  cache_read_tokens: Type.Integer({ description: 'Prompt tokens read from the provider cache.' }),
  cache_write_tokens: Type.Integer({ description: 'Prompt tokens written to the provider cache.' }),
  reasoning_tokens: Type.Integer({ description: 'Completion tokens spent on reasoning.' }),
  unpriced_requests: Type.Integer({ description: 'Requests to models with no price: not in cost_usd.' }),
  unpriced_tokens: Type.Integer({ description: 'Tokens of the unpriced requests.' }),
  cost_usd: Type.Number(),
};

const BudgetStatusSchema = Type.Object(
  {
    level: Type.Union([Type.Literal('tenant'), Type.Literal('team'), Type.Literal('key')]),
    id: Type.String(),
    budget: Type.Union([Type.Literal('tokens'), Type.Literal('usd')]),
    window: Type.Union([Type.Literal('daily'), Type.Literal('monthly'), Type.Literal('total')]),
    since: Type.Union([Type.String(), Type.Null()], { description: 'First UTC day of the window; null for total.' }),
    resets_at: Type.Union([Type.String(), Type.Null()], { description: 'End of the window; null for total.' }),
    limit: Type.Number(),
    used: Type.Number({ description: 'Settled spend in the window; requests in flight are not in it yet.' }),
    remaining: Type.Number({ description: 'limit − used, never below 0.' }),
  },
  { additionalProperties: false },
);

export const UsageReportSchema = Type.Object(
  {
    object: Type.Literal('usage_report'),
    since: Type.Union([Type.String(), Type.Null()]),
    until: Type.Union([Type.String(), Type.Null()]),
    group_by: Type.Array(Type.String()),
    data: Type.Array(
      Type.Object(
        {
          day: Type.Optional(Type.String()),
          tenant_id: Type.Optional(Type.String()),
          team_id: Type.Optional(Type.String()),
          key_id: Type.Optional(Type.String()),
          model: Type.Optional(Type.String()),
          session: Type.Optional(Type.String()),
          ...Totals,
        },
        // Later groupings (agent session…) add their own columns.
        { additionalProperties: true },
      ),
    ),
    totals: Type.Object(Totals, { additionalProperties: false }),
    budget_status: Type.Optional(
      Type.Array(BudgetStatusSchema, {
        description:
          "When the filters name one key, team or tenant: every budget that applies to its requests (the key's, " +
          "its team's and its tenant's, most specific first), with the spend in the budget's current UTC window " +
          'from the same ledger. `since`, `until`, `model` and `session` do not narrow it.',
      }),
    ),
  },
  { additionalProperties: false },
);
