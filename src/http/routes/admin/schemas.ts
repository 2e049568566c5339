import { Type } from '@sinclair/typebox';
import { ScopeBudgetsSchema, ScopeLimitsSchema } from '../../../admission/config-schema.ts';
import { AuditOutcomeSchema } from '../../../domain/audit/index.ts';
import { TeamRef, TenantRef } from '../../names.ts';

const Name = Type.String({ minLength: 1, maxLength: 64 });
const Uuid = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' });
const Duration = Type.String({ pattern: '^(\\d+(ms|s|m|h|d|w))+$', maxLength: 32 });

export const TenantParams = Type.Object({ tenant_id: TenantRef() }, { additionalProperties: false });
export const TeamParams = Type.Object(
  { tenant_id: TenantRef(), team_id: TeamRef('A team id, or the team name within the tenant.') },
  { additionalProperties: false },
);
export const KeyParams = Type.Object({ key_id: Uuid }, { additionalProperties: false });

export const CreateNamedBody = Type.Object({ name: Name }, { additionalProperties: false });

/**
 * Opt-in prompt logging: request and response bodies of LLM calls are kept, encrypted, for `ttl_s` seconds,
 * readable with `prompts.read`. The admin routes refuse 1–59 and anything above the operator's
 * `telemetry.prompt_log.max_ttl_s` (see `prompt-logging.ts`).
 */
export const PromptLogSetting = Type.Object(
  {
    ttl_s: Type.Integer({
      minimum: 0,
      maximum: 31_536_000,
      description:
        "Seconds each entry is kept: 60 up to the operator's telemetry.prompt_log.max_ttl_s; 0 turns it off.",
    }),
  },
  { additionalProperties: false },
);

/**
 * Per-key settings the gateway acts on, and nothing else: an unknown field is an error, never stored and ignored.
 * (Vault services and MCP tools are granted through their own routes, not here.)
 */
export const KeySettings = Type.Object(
  {
    allowed_models: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 1000 })),
    limits: Type.Optional(ScopeLimitsSchema),
    budgets: Type.Optional(ScopeBudgetsSchema),
    /**
     * The key's own prompt-log choice, which wins over its team's: `{"ttl_s": N}` opts in, `{"ttl_s": 0}` opts out
     * even when the team opted in, and `null` removes the key's own choice so the team's applies.
     */
    prompt_log: Type.Optional(Type.Union([PromptLogSetting, Type.Null()])),
  },
  { additionalProperties: false },
);

/** Limits and budgets of a tenant or team (`PUT …/limits` replaces both). */
export const ScopeLimitsBody = Type.Object(
  { limits: Type.Optional(ScopeLimitsSchema), budgets: Type.Optional(ScopeBudgetsSchema) },
  { additionalProperties: false },
);

export const CreateKeyBody = Type.Object(
  { name: Name, expires_in: Type.Optional(Duration), settings: Type.Optional(KeySettings) },
  { additionalProperties: false },
);

export const UpdateKeyBody = Type.Object(
  { name: Type.Optional(Name), settings: Type.Optional(KeySettings) },
  { additionalProperties: false, minProperties: 1 },
);

export const RotateKeyBody = Type.Object({ grace: Type.Optional(Duration) }, { additionalProperties: false });

export const CreateUserBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    tenant_id: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

export const CreateTokenBody = Type.Object(
  { name: Type.Optional(Name), expires_in: Type.Optional(Duration) },
  { additionalProperties: false },
);

export const RoleBody = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 500 })),
    permissions: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 200 }),
    includes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);

export const BindingBody = Type.Object(
  {
    principal: Type.String({ minLength: 3, maxLength: 500 }),
    role: Type.String({ minLength: 1, maxLength: 64 }),
    scope: Type.String({ minLength: 1, maxLength: 200 }),
    effect: Type.Optional(Type.Union([Type.Literal('allow'), Type.Literal('deny')])),
  },
  { additionalProperties: false },
);

export const SecretBody = Type.Object(
  { value: Type.String({ minLength: 1, maxLength: 65_536 }) },
  { additionalProperties: false },
);

export const PromptLogParams = Type.Object(
  { request_id: Type.String({ minLength: 1, maxLength: 100, description: 'The request id of the logged call.' }) },
  { additionalProperties: false },
);

const AuditFilter = (maxLength: number, description: string) => Type.Optional(Type.String({ maxLength, description }));

/** Every filter of the audit query, export and CLI; filters AND together. */
export const AuditQuery = Type.Object(
  {
    since: AuditFilter(40, 'Events at or after this RFC 3339 time.'),
    until: AuditFilter(40, 'Events before this RFC 3339 time.'),
    surface: AuditFilter(100, 'Surface id, e.g. `llm.chat` (see contracts/surfaces.json).'),
    principal: AuditFilter(200, 'Principal id: a key id, user id or `issuer#subject`.'),
    tenant: Type.Optional(TenantRef("The principal's tenant: an id or a name.")),
    team: Type.Optional(
      TeamRef("The principal's team: an id, or a team name within `tenant` (or the caller's tenant)."),
    ),
    outcome: Type.Optional(
      Type.String({
        // From the event schema itself: a hand-kept copy missed `budget_exceeded` (issue 14) and refused the filter.
        enum: AuditOutcomeSchema.anyOf.map((literal) => literal.const),
        description: 'The event outcome.',
      }),
    ),
    status: Type.Optional(
      Type.String({ pattern: '^([1-5][0-9][0-9]|[1-5]xx)$', description: 'An HTTP status (`429`) or class (`5xx`).' }),
    ),
    request_id: AuditFilter(100, 'The request id (the `x-gatehouse-request-id` response header).'),
    trace_id: Type.Optional(
      Type.String({ pattern: '^[0-9a-f]{32}$', description: 'The W3C trace id (the `x-gatehouse-trace-id` header).' }),
    ),
    model: AuditFilter(200, 'The model an LLM call asked for (its public name).'),
    session: AuditFilter(200, 'The agent session: an MCP session id or the session header an agent sent.'),
    cursor: AuditFilter(400, 'Opaque: the `next_cursor` of the previous page.'),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Events per page (default 100).' })),
  },
  { additionalProperties: false },
);
