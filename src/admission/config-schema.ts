/**
 * @module Wire schemas for limits and budgets as operators write them: in a key's, team's or tenant's
 * `settings` (`settings.limits`, `settings.budgets`, set by `gatehouse key create --rpm …` and
 * `gatehouse team|tenant limits set`), and in the config file's `limits` and `prices` sections.
 * Snake_case like the rest of the config file; `scope-limits.ts` compiles them to the domain's `LimitPolicy`.
 */
import { type Static, Type } from '@sinclair/typebox';
import { ModelPriceSchema } from '../domain/limits/index.ts';

const PerMinute = Type.Number({ exclusiveMinimum: 0, description: 'Units per minute (GCRA, smooth).' });
const Burst = Type.Number({ minimum: 1, description: 'Units admitted at once from idle; defaults to the rate.' });
const Parallel = Type.Integer({ minimum: 1, description: 'Requests in flight at once (leases with a TTL).' });

const RateFields = {
  rpm: Type.Optional(PerMinute),
  tpm: Type.Optional(PerMinute),
  max_parallel: Type.Optional(Parallel),
  rpm_burst: Type.Optional(Burst),
  tpm_burst: Type.Optional(Burst),
};

export const ModelLimitsSchema = Type.Object(RateFields, { additionalProperties: false });

export const ScopeLimitsSchema = Type.Object(
  {
    ...RateFields,
    models: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 256 }), ModelLimitsSchema, {
        description: 'Per-model limits at this level, checked in addition to the level-wide ones.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ScopeLimits = Static<typeof ScopeLimitsSchema>;

const Tokens = Type.Integer({ minimum: 0 });
const Usd = Type.Number({ minimum: 0 });

/** Calendar windows in UTC: daily resets 00:00 UTC, monthly on the 1st, total never. */
export const ScopeBudgetsSchema = Type.Object(
  {
    tokens_daily: Type.Optional(Tokens),
    tokens_monthly: Type.Optional(Tokens),
    tokens_total: Type.Optional(Tokens),
    usd_daily: Type.Optional(Usd),
    usd_monthly: Type.Optional(Usd),
    usd_total: Type.Optional(Usd),
  },
  { additionalProperties: false },
);
export type ScopeBudgets = Static<typeof ScopeBudgetsSchema>;

/** What admission reads from a key's, team's or tenant's settings (other settings keys are ignored). */
export const ScopeLimitSettingsSchema = Type.Object(
  { limits: Type.Optional(ScopeLimitsSchema), budgets: Type.Optional(ScopeBudgetsSchema) },
  { $id: 'scope-limit-settings', additionalProperties: true },
);
export type ScopeLimitSettings = Static<typeof ScopeLimitSettingsSchema>;

const LevelDefaultsSchema = Type.Object(
  { limits: Type.Optional(ScopeLimitsSchema), budgets: Type.Optional(ScopeBudgetsSchema) },
  { additionalProperties: false },
);

/** The config file's `limits` section. */
export const LimitsConfigSchema = Type.Object(
  {
    default_max_tokens: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Output tokens reserved when a request names no max_tokens.' }),
    ),
    max_output_tokens_cap: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Upper bound on the output reservation of one request.' }),
    ),
    lease_ttl_ms: Type.Optional(Type.Integer({ minimum: 1000, description: 'Concurrency lease lifetime.' })),
    defaults: Type.Optional(
      Type.Object(
        {
          tenant: Type.Optional(LevelDefaultsSchema),
          team: Type.Optional(LevelDefaultsSchema),
          key: Type.Optional(LevelDefaultsSchema),
        },
        { additionalProperties: false, description: 'Applied field by field where a level sets nothing itself.' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type LimitsConfig = Static<typeof LimitsConfigSchema>;

/** The config file's `prices` section: model → USD per million tokens. */
export const PricesConfigSchema = Type.Record(Type.String({ minLength: 1 }), ModelPriceSchema, {
  description:
    'Model name → USD per million tokens (input, output, cache_read, cache_write, reasoning); overrides the built-in defaults. A model with no entry costs 0 and is reported as unpriced.',
});
export type PricesConfig = Static<typeof PricesConfigSchema>;
