import { Type } from '@sinclair/typebox';
import { ModelGroupSpecSchema } from '../../../providers/index.ts';
import { ListOf } from '../admin/responses.ts';

const Source = Type.Union([Type.Literal('config'), Type.Literal('admin'), Type.Literal('default')], {
  description: '`config` and `default` entries are read-only here; `admin` ones were created through this API.',
});
const NullableTimestamp = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const UpstreamView = Type.Object(
  {
    id: Type.String(),
    provider: Type.String(),
    base_url: Type.String(),
    api_version: Type.Union([Type.String(), Type.Null()]),
    headers: Type.Record(Type.String(), Type.String()),
    max_connections: Type.Union([Type.Integer(), Type.Null()]),
    max_connections_per_tenant: Type.Union([Type.Integer(), Type.Null()]),
    queue_timeout_ms: Type.Union([Type.Integer(), Type.Null()]),
    api_key_count: Type.Integer({ description: 'How many API keys are stored; the keys are write-only.' }),
    source: Source,
    health: Type.Object(
      { reachable: Type.Boolean(), reason: Type.Union([Type.String(), Type.Null()]) },
      { additionalProperties: false },
    ),
    created_at: NullableTimestamp,
    updated_at: NullableTimestamp,
  },
  { additionalProperties: false },
);

export const ModelGroupView = Type.Object(
  {
    ...ModelGroupSpecSchema.properties,
    source: Source,
    created_at: NullableTimestamp,
    updated_at: NullableTimestamp,
  },
  { additionalProperties: false },
);

export const UpstreamList = ListOf(UpstreamView);
export const ModelGroupList = ListOf(ModelGroupView);

const PriceSource = Type.Union([Type.Literal('config'), Type.Literal('admin'), Type.Literal('default')], {
  description:
    "`admin`: set through this API (wins); `config`: the config file's `prices`; `default`: the built-in table.",
});
const Rate = (description: string) => Type.Number({ minimum: 0, description: `USD per million ${description}` });

export const PriceView = Type.Object(
  {
    model: Type.String({ description: 'Public model name; a dated snapshot name falls back to its undated row.' }),
    input: Rate('uncached input tokens.'),
    output: Rate('output tokens.'),
    cache_read: Rate('input tokens read from the prompt cache (the input rate when unset).'),
    cache_write: Rate('input tokens written to the prompt cache (the input rate when unset).'),
    reasoning: Rate('reasoning tokens (the output rate when unset).'),
    source: PriceSource,
    overrides: Type.Union([PriceSource, Type.Null()], {
      description: 'For an admin row, the config or default row it replaces (restored when it is removed).',
    }),
    created_at: NullableTimestamp,
    updated_at: NullableTimestamp,
  },
  { additionalProperties: false },
);

export const PriceList = ListOf(PriceView, 'Every price in force, by model name.');
