/**
 * @module
 * The audit event (DESIGN §2 invariant 2): one per request, whatever its outcome. The same TypeBox schema
 * validates events in `verifyChain` and is exported to `contracts/schemas/audit-event.schema.json`.
 *
 * Every field is required; "no value" is spelled `null`, never an absent key, so one event has one canonical
 * form and the JCS bytes that are hashed cannot differ between a writer that omits a key and one that nulls it.
 * The optional members are `usage.cost_usd`, absent when no price is known, and `trace_id`, absent from events
 * written before tracing existed (every newer event carries it, `null` when the request was not traced).
 */
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { UUID_PATTERN } from '../ids.ts';

/** 256-bit digest as lowercase hex: the only spelling accepted, so hashes compare as plain strings. */
export const HEX_256_PATTERN = '^[0-9a-f]{64}$';

/** RFC 3339 §5.6 `date-time`, restricted to UTC (`Z`) with exactly three fractional digits (Date#toISOString). */
export const AUDIT_TS_PATTERN =
  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\\.[0-9]{3}Z$';

const Hex256 = Type.String({ pattern: HEX_256_PATTERN });
const NonEmpty = Type.String({ minLength: 1 });
const NullableString = Type.Union([Type.String(), Type.Null()]);
const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const AuditOutcomeSchema = Type.Union([
  Type.Literal('success'),
  Type.Literal('client_error'),
  Type.Literal('denied'),
  Type.Literal('unauthenticated'),
  Type.Literal('rate_limited'),
  Type.Literal('budget_exceeded'),
  Type.Literal('upstream_error'),
  Type.Literal('error'),
  Type.Literal('aborted'),
]);
export type AuditOutcome = Static<typeof AuditOutcomeSchema>;

export const AuditPrincipalSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('key'), Type.Literal('user'), Type.Literal('jwt')]),
    id: NonEmpty,
    tenant_id: NullableString,
    team_id: NullableString,
  },
  { additionalProperties: false },
);
export type AuditPrincipal = Static<typeof AuditPrincipalSchema>;

export const AuditAuthzSchema = Type.Object(
  {
    decision: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
    permission: NullableString,
    scope: NullableString,
    binding_id: NullableString,
    reason: NullableString,
  },
  { additionalProperties: false },
);
export type AuditAuthz = Static<typeof AuditAuthzSchema>;

export const AuditUpstreamSchema = Type.Object(
  { id: NonEmpty, target: NullableString, attempts: Count },
  { additionalProperties: false },
);
export type AuditUpstream = Static<typeof AuditUpstreamSchema>;

export const AuditUsageSchema = Type.Object(
  {
    prompt_tokens: Count,
    completion_tokens: Count,
    total_tokens: Count,
    /** Subsets of prompt_tokens and completion_tokens, present when the upstream reported them. */
    cache_read_tokens: Type.Optional(Count),
    cache_write_tokens: Type.Optional(Count),
    reasoning_tokens: Type.Optional(Count),
    cost_usd: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type AuditUsage = Static<typeof AuditUsageSchema>;

/** Surface-specific metadata; which keys a surface may record is the surface registry's allow-list. */
export const AuditMetaSchema = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]),
);
export type AuditMeta = Static<typeof AuditMetaSchema>;

export const AuditEventSchema = Type.Object(
  {
    id: Type.String({ pattern: UUID_PATTERN }),
    ts: Type.String({ pattern: AUDIT_TS_PATTERN }),
    chain_id: NonEmpty,
    seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    prev_hash: Hex256,
    hash: Hex256,
    request_id: NonEmpty,
    /** The W3C trace id (32 lowercase hex) of the request's server span, also the `x-gatehouse-trace-id` header. */
    trace_id: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9a-f]{32}$' }), Type.Null()])),
    region: NonEmpty,
    principal: Type.Union([AuditPrincipalSchema, Type.Null()]),
    surface: NonEmpty,
    method: Type.String({ pattern: '^[A-Z]+$' }),
    // A template such as `/v1/models/:model`: a raw URL could carry a query string with credentials in it.
    path: Type.String({ pattern: '^/[^?#]*$' }),
    status: Type.Integer({ minimum: 100, maximum: 599 }),
    outcome: AuditOutcomeSchema,
    latency_ms: Type.Number({ minimum: 0 }),
    authz: Type.Union([AuditAuthzSchema, Type.Null()]),
    upstream: Type.Union([AuditUpstreamSchema, Type.Null()]),
    usage: Type.Union([AuditUsageSchema, Type.Null()]),
    error_code: NullableString,
    meta: AuditMetaSchema,
  },
  {
    $id: 'audit-event',
    title: 'Gatehouse audit event',
    description:
      'One event per request, linked into a per-writer hash chain: hash = SHA-256(prev_hash || JCS(event minus hash)).',
    additionalProperties: false,
  },
);

/** A sealed audit event, as stored and as exported. */
export type AuditEvent = Static<typeof AuditEventSchema>;

/** What the pipeline builds per request; `ChainSealer#seal` adds the chain fields. */
export type AuditEventDraft = Omit<AuditEvent, 'chain_id' | 'seq' | 'prev_hash' | 'hash'>;

const eventChecker = TypeCompiler.Compile(AuditEventSchema);

/** Type guard over `AuditEventSchema`; NaN and ±Infinity are rejected, as JSON cannot carry them. */
export function isAuditEvent(value: unknown): value is AuditEvent {
  return eventChecker.Check(value);
}

/** Dotted path and message of the first schema violation, or null when `value` is a valid event. */
export function describeAuditEventError(value: unknown): { path: string; message: string } | null {
  const first = eventChecker.Errors(value).First();
  if (first === undefined) return null;
  return { path: first.path === '' ? '(root)' : first.path, message: first.message };
}
