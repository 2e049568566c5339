import { type Static, Type } from '@sinclair/typebox';
import { UUID_PATTERN } from '../../../domain/ids.ts';

/** `YYYY-MM-DD` (a UTC day) or an RFC 3339 timestamp, of which the UTC day counts. */
const DAY_OR_TIME =
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2}))?$';

export const USAGE_GROUPS = ['day', 'tenant', 'team', 'key', 'model'] as const;

export const UsageQuerySchema = Type.Object(
  {
    tenant: Type.Optional(Type.String({ pattern: UUID_PATTERN })),
    team: Type.Optional(Type.String({ pattern: UUID_PATTERN })),
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    since: Type.Optional(Type.String({ pattern: DAY_OR_TIME })),
    until: Type.Optional(Type.String({ pattern: DAY_OR_TIME })),
    group_by: Type.Optional(Type.String({ pattern: `^(${USAGE_GROUPS.join('|')})(,(${USAGE_GROUPS.join('|')}))*$` })),
  },
  { additionalProperties: false },
);
export type UsageQuery = Static<typeof UsageQuerySchema>;
