import type { FastifyInstance } from 'fastify';

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

export async function opsRoutes(app: FastifyInstance, options: OpsRoutesOptions): Promise<void> {
  app.get('/healthz', { config: { surface: 'ops.healthz' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { surface: 'ops.readyz' } }, async (_request, reply) => {
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
  });

  app.get('/metrics', { config: { surface: 'ops.metrics' } }, async (_request, reply) => {
    const { contentType, body } = await options.renderMetrics();
    reply.type(contentType);
    return body;
  });
}
