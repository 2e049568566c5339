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
