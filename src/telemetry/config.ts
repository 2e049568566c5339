/**
 * @module The `telemetry:` section of the YAML config and the standard OpenTelemetry environment variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/). Environment variables win
 * over the file, as everywhere else. Everything is off by default: no tracer, no exporter, no timer.
 *
 * The exporters are handed explicit options built here, so what `config check` prints is what runs: the SDK's own
 * reading of `OTEL_*` never adds a setting behind our back.
 */
import { type Static, Type } from '@sinclair/typebox';
import { ConfigError } from '../config/errors.ts';

const Ratio = Type.Number({ minimum: 0, maximum: 1 });
const HeaderMap = Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }), Type.String({ maxLength: 8192 }));

export const TelemetrySectionSchema = Type.Object(
  {
    service_name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /** OTLP/HTTP base URL; `/v1/traces` and `/v1/metrics` are appended (OTEL_EXPORTER_OTLP_ENDPOINT). */
    otlp_endpoint: Type.Optional(Type.String({ pattern: '^https?://' })),
    otlp_headers: Type.Optional(HeaderMap),
    traces: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          /** Head sampling ratio for traces that start here; a sampled parent's decision is always followed. */
          sample_ratio: Type.Optional(Ratio),
        },
        { additionalProperties: false },
      ),
    ),
    metrics: Type.Optional(
      Type.Object(
        {
          /** Also push the `/metrics` instruments over OTLP. */
          otlp: Type.Optional(Type.Boolean()),
          interval_ms: Type.Optional(Type.Integer({ minimum: 1000, maximum: 3_600_000 })),
          /** Label cost and budget series with tenant and team ids. Off: one series per model, whatever the load. */
          tenant_labels: Type.Optional(Type.Boolean()),
          team_labels: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    prompt_log: Type.Optional(
      Type.Object(
        {
          /** The longest TTL any key may ask for (seconds); 0 turns prompt logging off for every key. */
          max_ttl_s: Type.Optional(Type.Integer({ minimum: 0, maximum: 31_536_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    access_log: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          /** Fraction of successful requests logged; errors and denials are always logged. */
          sample_ratio: Type.Optional(Ratio),
          level: Type.Optional(Type.Union([Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace')])),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type TelemetrySection = Static<typeof TelemetrySectionSchema>;

export interface TelemetryConfig {
  serviceName: string;
  /** Extra resource attributes (OTEL_RESOURCE_ATTRIBUTES). */
  resourceAttributes: Record<string, string>;
  traces: { enabled: boolean; endpoint: string; headers: Record<string, string>; sampleRatio: number } | null;
  metrics: {
    otlp: { endpoint: string; headers: Record<string, string>; intervalMs: number } | null;
    tenantLabels: boolean;
    teamLabels: boolean;
  };
  accessLog: { enabled: boolean; sampleRatio: number; level: 'info' | 'debug' | 'trace' };
  /** Cap on every key's prompt-log TTL, in seconds (0: prompt logging off). */
  promptLogMaxTtlS: number;
}

const DEFAULT_ENDPOINT = 'http://localhost:4318';

/** `key1=value1,key2=value2`, values percent-decoded (the W3C Baggage-style list the spec uses). */
export function parseKeyValueList(value: string, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.split(',')) {
    if (part.trim() === '') continue;
    const at = part.indexOf('=');
    if (at <= 0) throw new ConfigError(field, `"${part.trim()}" is not key=value`);
    try {
      out[decodeURIComponent(part.slice(0, at).trim())] = decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      throw new ConfigError(field, `"${part.trim()}" has a malformed percent escape`);
    }
  }
  return out;
}

function parseRatio(value: string, field: string): number {
  const ratio = Number(value);
  if (value.trim() === '' || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new ConfigError(field, 'must be a number between 0 and 1');
  }
  return ratio;
}

function parseUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(field, 'is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(field, 'must use http or https');
  return value.replace(/\/+$/, '');
}

/**
 * The sampler from `OTEL_TRACES_SAMPLER`/`_ARG`. Only the parent-based ratio family and its fixed ends are
 * accepted: a sampler that ignores the parent would break traces a client started.
 */
function resolveSampleRatio(env: NodeJS.ProcessEnv, fileRatio: number | undefined): number {
  const sampler = env.OTEL_TRACES_SAMPLER;
  if (sampler === undefined) {
    return env.OTEL_TRACES_SAMPLER_ARG === undefined
      ? (fileRatio ?? 1)
      : parseRatio(env.OTEL_TRACES_SAMPLER_ARG, 'OTEL_TRACES_SAMPLER_ARG');
  }
  switch (sampler) {
    case 'always_on':
    case 'parentbased_always_on':
      return 1;
    case 'always_off':
    case 'parentbased_always_off':
      return 0;
    case 'traceidratio':
    case 'parentbased_traceidratio':
      return env.OTEL_TRACES_SAMPLER_ARG === undefined
        ? 1
        : parseRatio(env.OTEL_TRACES_SAMPLER_ARG, 'OTEL_TRACES_SAMPLER_ARG');
    default:
      throw new ConfigError(
        'OTEL_TRACES_SAMPLER',
        'must be always_on, always_off, traceidratio or their parentbased_ forms',
      );
  }
}

function checkProtocol(env: NodeJS.ProcessEnv, name: string): void {
  const protocol = env[name];
  if (protocol !== undefined && protocol !== 'http/json') {
    throw new ConfigError(name, 'only http/json is supported (OTLP over HTTP with JSON bodies)');
  }
}

function exporterEnabled(value: string | undefined, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'otlp') return true;
  if (value === 'none') return false;
  throw new ConfigError(field, 'must be otlp or none');
}

export function resolveTelemetryConfig(section: TelemetrySection | undefined, env: NodeJS.ProcessEnv): TelemetryConfig {
  const file = section ?? {};
  const disabled = env.OTEL_SDK_DISABLED === 'true';
  checkProtocol(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  checkProtocol(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL');
  checkProtocol(env, 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL');
  const base =
    env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined
      ? parseUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'OTEL_EXPORTER_OTLP_ENDPOINT')
      : (file.otlp_endpoint?.replace(/\/+$/, '') ?? DEFAULT_ENDPOINT);
  const headers = {
    ...file.otlp_headers,
    ...(env.OTEL_EXPORTER_OTLP_HEADERS
      ? parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS')
      : {}),
  };
  const tracesOn =
    !disabled && (exporterEnabled(env.OTEL_TRACES_EXPORTER, 'OTEL_TRACES_EXPORTER') ?? file.traces?.enabled ?? false);
  const metricsOn =
    !disabled && (exporterEnabled(env.OTEL_METRICS_EXPORTER, 'OTEL_METRICS_EXPORTER') ?? file.metrics?.otlp ?? false);
  // The signal-specific variables are full URLs, used as given (spec: no path is appended to them).
  const tracesEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
    ? parseUrl(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')
    : `${base}/v1/traces`;
  const metricsEndpoint = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT
    ? parseUrl(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT')
    : `${base}/v1/metrics`;
  const signalHeaders = (name: string) =>
    env[name] ? { ...headers, ...parseKeyValueList(env[name] as string, name) } : headers;
  const interval = env.OTEL_METRIC_EXPORT_INTERVAL;
  if (interval !== undefined && !/^\d+$/.test(interval)) {
    throw new ConfigError('OTEL_METRIC_EXPORT_INTERVAL', 'must be a whole number of milliseconds');
  }
  return {
    serviceName: env.OTEL_SERVICE_NAME ?? file.service_name ?? 'gatehouse',
    resourceAttributes: env.OTEL_RESOURCE_ATTRIBUTES
      ? parseKeyValueList(env.OTEL_RESOURCE_ATTRIBUTES, 'OTEL_RESOURCE_ATTRIBUTES')
      : {},
    traces: tracesOn
      ? {
          enabled: true,
          endpoint: tracesEndpoint,
          headers: signalHeaders('OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
          sampleRatio: resolveSampleRatio(env, file.traces?.sample_ratio),
        }
      : null,
    metrics: {
      otlp: metricsOn
        ? {
            endpoint: metricsEndpoint,
            headers: signalHeaders('OTEL_EXPORTER_OTLP_METRICS_HEADERS'),
            intervalMs:
              interval !== undefined ? Math.max(1000, Number(interval)) : (file.metrics?.interval_ms ?? 60_000),
          }
        : null,
      tenantLabels: file.metrics?.tenant_labels ?? false,
      teamLabels: file.metrics?.team_labels ?? false,
    },
    accessLog: {
      enabled: file.access_log?.enabled ?? true,
      sampleRatio: file.access_log?.sample_ratio ?? 1,
      level: file.access_log?.level ?? 'info',
    },
    promptLogMaxTtlS: file.prompt_log?.max_ttl_s ?? 7 * 24 * 3600,
  };
}
