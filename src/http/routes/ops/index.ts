import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorBodySchema } from '../../../contracts/error-schema.ts';

export interface ReadinessCheck {
  name: string;
  /** Resolves when healthy; rejects (or returns a reason string) when not. */
  check(): Promise<string | null>;
  /** False for informational entries (one LLM upstream among several): reported, but readiness holds. */
  required?: boolean;
  /** Informational state shown with the check, never failing it (e.g. an unhealthy vault credential). */
  details?(): unknown;
}

export interface OpsRoutesOptions {
  readiness: ReadinessCheck[];
  renderMetrics(): Promise<{ contentType: string; body: string }>;
}

interface CheckResult {
  name: string;
  ok: boolean;
  reason: string | null;
  required: boolean;
  details: unknown;
}

async function runCheck(check: ReadinessCheck): Promise<CheckResult> {
  const required = check.required !== false;
  const details = check.details?.() ?? null;
  try {
    const reason = await check.check();
    return { name: check.name, ok: reason === null, reason, required, details };
  } catch (error) {
    return { name: check.name, ok: false, reason: (error as Error).message, required, details };
  }
}

function describeCheck({ ok, reason, required, details }: CheckResult) {
  return { ok, ...(ok ? {} : { reason }), ...(required ? {} : { required }), ...(details === null ? {} : { details }) };
}

const HealthView = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false });
const CheckView = Type.Object(
  {
    ok: Type.Boolean(),
    reason: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    required: Type.Optional(Type.Boolean()),
    details: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
const ReadyView = Type.Object(
  { status: Type.Literal('ready'), checks: Type.Record(Type.String(), CheckView) },
  { additionalProperties: false },
);
const NotReadyView = Type.Object(
  {
    status: Type.Literal('not_ready'),
    error: ErrorBodySchema.properties.error,
    checks: Type.Record(Type.String(), CheckView),
  },
  { additionalProperties: false },
);
const MetricsText = Type.String({
  description: 'Prometheus text exposition format.',
  contentMediaType: 'text/plain',
});

export async function opsRoutes(app: FastifyInstance, options: OpsRoutesOptions): Promise<void> {
  app.get('/healthz', { config: { surface: 'ops.healthz' }, schema: { response: { 200: HealthView } } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { config: { surface: 'ops.readyz' }, schema: { response: { 200: ReadyView, 503: NotReadyView } } },
    async (_request, reply) => {
      const results = await Promise.all(options.readiness.map(runCheck));
      const checks = Object.fromEntries(results.map((result) => [result.name, describeCheck(result)]));
      if (results.every((result) => result.ok || !result.required)) return { status: 'ready', checks };
      const failing = results.filter((result) => !result.ok && result.required).map((result) => result.name);
      reply.code(503);
      return {
        status: 'not_ready',
        error: {
          message: `Not ready: ${failing.join(', ')}.`,
          type: 'service_unavailable',
          code: 'not_ready',
          param: null,
        },
        checks,
      };
    },
  );

  app.get(
    '/metrics',
    { config: { surface: 'ops.metrics' }, schema: { response: { 200: MetricsText } } },
    async (_request, reply) => {
      const { contentType, body } = await options.renderMetrics();
      reply.type(contentType);
      return body;
    },
  );
}
