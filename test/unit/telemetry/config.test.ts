import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/index.ts';
import { resolveTelemetryConfig } from '../../../src/telemetry/index.ts';

describe('telemetry configuration', () => {
  it('is off by default: no traces, no OTLP metrics, access log on at info', () => {
    const config = resolveTelemetryConfig(undefined, {});
    expect(config.traces).toBeNull();
    expect(config.metrics.otlp).toBeNull();
    expect(config.accessLog).toEqual({ enabled: true, sampleRatio: 1, level: 'info' });
    expect(config.serviceName).toBe('gatehouse');
  });

  it('reads the standard OTEL_* variables, which win over the file', () => {
    const config = resolveTelemetryConfig(
      { service_name: 'from-file', otlp_endpoint: 'http://file:4318', traces: { enabled: false, sample_ratio: 0.5 } },
      {
        OTEL_SERVICE_NAME: 'gw-eu',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Basic%20abc,x-tenant=t1',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://metrics:9090/otlp/v1/metrics',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.01',
        OTEL_METRIC_EXPORT_INTERVAL: '15000',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod',
      },
    );
    expect(config.serviceName).toBe('gw-eu');
    expect(config.traces).toEqual({
      enabled: true,
      endpoint: 'http://collector:4318/v1/traces',
      headers: { authorization: 'Basic abc', 'x-tenant': 't1' },
      sampleRatio: 0.01,
    });
    expect(config.metrics.otlp).toEqual({
      endpoint: 'http://metrics:9090/otlp/v1/metrics',
      headers: { authorization: 'Basic abc', 'x-tenant': 't1' },
      intervalMs: 15000,
    });
    expect(config.resourceAttributes).toEqual({ 'deployment.environment': 'prod' });
  });

  it('takes the file when no variable is set, and OTEL_SDK_DISABLED turns everything off', () => {
    const file = {
      otlp_endpoint: 'http://file:4318',
      traces: { enabled: true, sample_ratio: 0.25 },
      metrics: { otlp: true },
    };
    const config = resolveTelemetryConfig(file, {});
    expect(config.traces?.endpoint).toBe('http://file:4318/v1/traces');
    expect(config.traces?.sampleRatio).toBe(0.25);
    expect(config.metrics.otlp?.intervalMs).toBe(60_000);
    const disabled = resolveTelemetryConfig(file, { OTEL_SDK_DISABLED: 'true' });
    expect([disabled.traces, disabled.metrics.otlp]).toEqual([null, null]);
  });

  it('names the bad variable', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER'],
      [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'jaeger_remote' }, 'OTEL_TRACES_SAMPLER'],
      [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER_ARG: '2' }, 'OTEL_TRACES_SAMPLER_ARG'],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://x' }, 'OTEL_EXPORTER_OTLP_ENDPOINT'],
      [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_PROTOCOL'],
      [{ OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }, 'OTEL_EXPORTER_OTLP_HEADERS'],
      [{ OTEL_METRIC_EXPORT_INTERVAL: 'soon' }, 'OTEL_METRIC_EXPORT_INTERVAL'],
    ];
    for (const [env, field] of cases) {
      let thrown: unknown = null;
      try {
        resolveTelemetryConfig(undefined, env);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, field).toBeInstanceOf(ConfigError);
      expect((thrown as Error).message, field).toContain(field);
    }
  });
});
