/**
 * @module Wire schemas for limit policies and price tables, for config files and the admin API.
 * Exported to `contracts/schemas/limit-policy.schema.json` and `price-table.schema.json`.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { LimitPolicy } from './admission.ts';
import type { ModelPrice, PriceTable } from './cost.ts';

const PositiveNumber = Type.Number({ exclusiveMinimum: 0 });
const UsdPerMillion = Type.Number({ minimum: 0, description: 'USD per million tokens' });

export const BudgetLimitSchema = Type.Object(
  {
    window: Type.Union([Type.Literal('daily'), Type.Literal('monthly'), Type.Literal('total')], {
      description: 'Calendar window in UTC: daily resets 00:00 UTC, monthly on the 1st, total never.',
    }),
    maxTokens: Type.Optional(Type.Integer({ minimum: 0 })),
    maxUsd: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const LimitPolicySchema = Type.Object(
  {
    requestsPerMinute: Type.Optional(PositiveNumber),
    requestBurst: Type.Optional(Type.Number({ minimum: 1, description: 'Defaults to requestsPerMinute.' })),
    tokensPerMinute: Type.Optional(PositiveNumber),
    tokenBurst: Type.Optional(Type.Number({ minimum: 1, description: 'Defaults to tokensPerMinute.' })),
    maxConcurrency: Type.Optional(Type.Integer({ minimum: 1 })),
    budgets: Type.Optional(Type.Array(BudgetLimitSchema, { maxItems: 3 })),
  },
  { additionalProperties: false, $id: 'limit-policy' },
);

export const ModelPriceSchema = Type.Object(
  {
    input: UsdPerMillion,
    output: UsdPerMillion,
    cache_read: Type.Optional(UsdPerMillion),
    cache_write: Type.Optional(UsdPerMillion),
    reasoning: Type.Optional(UsdPerMillion),
    cached_input: Type.Optional({ ...UsdPerMillion, description: 'Older name of cache_read.' }),
  },
  {
    additionalProperties: false,
    description:
      'USD per million tokens. Cache reads and writes default to the input rate, reasoning to the output rate.',
  },
);

/** A price as the admin API sets it: the current field names only (no `cached_input`), nothing else. */
export const PriceInputSchema = Type.Object(
  {
    input: UsdPerMillion,
    output: UsdPerMillion,
    cache_read: Type.Optional({ ...UsdPerMillion, description: 'USD per million cache-read tokens; default input.' }),
    cache_write: Type.Optional({ ...UsdPerMillion, description: 'USD per million cache-write tokens; default input.' }),
    reasoning: Type.Optional({ ...UsdPerMillion, description: 'USD per million reasoning tokens; default output.' }),
  },
  {
    additionalProperties: false,
    description: 'USD per million tokens, each a non-negative finite number.',
  },
);

export const PriceTableSchema = Type.Record(Type.String({ minLength: 1 }), ModelPriceSchema, {
  $id: 'price-table',
  description:
    'Model name → price. A dated snapshot name falls back to its undated name; a model with no entry costs 0 and is reported as unpriced.',
});

// Compile-time guards: a value the schema accepts is a value the domain takes.
const policyFits: (value: Static<typeof LimitPolicySchema>) => LimitPolicy = (value) => value;
const pricesFit: (value: Static<typeof PriceTableSchema>) => PriceTable = (value) => value;
const priceInputFits: (value: Static<typeof PriceInputSchema>) => ModelPrice = (value) => value;
void policyFits;
void pricesFit;
void priceInputFits;
