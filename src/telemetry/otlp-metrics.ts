/**
 * @module OTLP metrics from the `/metrics` instruments. A `MetricProducer` reads the prom-client registry at each
 * export and hands it to the SDK's periodic reader and OTLP exporter, so both outputs come from one set of
 * instruments and the request path records each value once, at prom-client's cost. Nothing here exists unless
 * OTLP metrics are switched on.
 *
 * The three GenAI instruments are exported under their semantic-convention names and attribute keys
 * (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-metrics/); the rest keep their Prometheus names.
 */
import { type Attributes, type HrTime, ValueType } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import type { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  MeterProvider,
  type MetricData,
  type MetricProducer,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { Registry } from 'prom-client';

interface Renamed {
  name: string;
  unit: string;
  attributes: Record<string, string>;
}

const GENAI_ATTRIBUTES = {
  operation: 'gen_ai.operation.name',
  model: 'gen_ai.request.model',
  upstream: 'gatehouse.upstream',
  type: 'gen_ai.token.type',
  outcome: 'gatehouse.outcome',
};

const RENAMED: Record<string, Renamed> = {
  gatehouse_llm_token_usage_tokens: {
    name: 'gen_ai.client.token.usage',
    unit: '{token}',
    attributes: GENAI_ATTRIBUTES,
  },
  gatehouse_llm_operation_duration_seconds: {
    name: 'gen_ai.client.operation.duration',
    unit: 's',
    attributes: GENAI_ATTRIBUTES,
  },
  gatehouse_llm_time_to_first_token_seconds: {
    name: 'gen_ai.server.time_to_first_token',
    unit: 's',
    attributes: GENAI_ATTRIBUTES,
  },
};

type PromValue = { value: number; labels: Record<string, string | number>; metricName?: string };
type PromMetric = { name: string; help: string; type: string; values: PromValue[] };

function attributesOf(labels: Record<string, string | number>, rename: Renamed | undefined): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(labels)) {
    if (key === 'le' || value === '') continue;
    out[rename?.attributes[key] ?? key] = value;
  }
  return out;
}

/** prom-client reports cumulative `le` buckets; OTLP wants per-bucket counts over the finite boundaries. */
function histogramPoints(metric: PromMetric, rename: Renamed | undefined, start: HrTime, end: HrTime) {
  const series = new Map<
    string,
    { labels: Record<string, string | number>; les: [number, number][]; sum: number; count: number }
  >();
  for (const entry of metric.values) {
    const { le, ...labels } = entry.labels;
    const key = JSON.stringify(labels);
    let point = series.get(key);
    if (point === undefined) {
      point = { labels, les: [], sum: 0, count: 0 };
      series.set(key, point);
    }
    if (entry.metricName?.endsWith('_bucket'))
      point.les.push([le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), entry.value]);
    else if (entry.metricName?.endsWith('_sum')) point.sum = entry.value;
    else if (entry.metricName?.endsWith('_count')) point.count = entry.value;
  }
  return [...series.values()].map((point) => {
    point.les.sort((a, b) => a[0] - b[0]);
    const boundaries = point.les.filter(([le]) => Number.isFinite(le)).map(([le]) => le);
    let previous = 0;
    const counts = point.les.map(([, cumulative]) => {
      const count = cumulative - previous;
      previous = cumulative;
      return count;
    });
    return {
      startTime: start,
      endTime: end,
      attributes: attributesOf(point.labels, rename),
      value: { buckets: { boundaries, counts }, sum: point.sum, count: point.count },
    };
  });
}

/** Converts one prom-client metric; summaries are not used by Gatehouse and are skipped. */
export function toMetricData(metric: PromMetric, start: HrTime, end: HrTime): MetricData | null {
  const rename = RENAMED[metric.name];
  const descriptor = {
    name: rename?.name ?? metric.name,
    description: metric.help,
    unit: rename?.unit ?? (metric.name.endsWith('_seconds') ? 's' : ''),
    valueType: ValueType.DOUBLE,
  };
  const points = () =>
    metric.values.map((entry) => ({
      startTime: start,
      endTime: end,
      attributes: attributesOf(entry.labels, rename),
      value: entry.value,
    }));
  switch (metric.type) {
    case 'counter':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        dataPoints: points(),
        isMonotonic: true,
      };
    case 'gauge':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: points(),
      };
    case 'histogram':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: histogramPoints(metric, rename, start, end),
      };
    default:
      return null;
  }
}

class PromRegistryProducer implements MetricProducer {
  readonly #registry: Registry;
  readonly #resource: Resource;
  readonly #start = hrTime();

  constructor(registry: Registry, resource: Resource) {
    this.#registry = registry;
    this.#resource = resource;
  }

  async collect(): Promise<CollectionResult> {
    const end = hrTime();
    const metrics: MetricData[] = [];
    // prom-client types `type` as its own enum; at run time it is the plain string compared below.
    for (const metric of (await this.#registry.getMetricsAsJSON()) as unknown as PromMetric[]) {
      const data = toMetricData(metric, this.#start, end);
      if (data !== null && data.dataPoints.length > 0) metrics.push(data);
    }
    return {
      resourceMetrics: { resource: this.#resource, scopeMetrics: [{ scope: { name: 'gatehouse' }, metrics }] },
      errors: [],
    };
  }
}

export interface OtlpMetricsOptions {
  registry: Registry;
  resource: Resource;
  endpoint: string;
  headers: Record<string, string>;
  intervalMs: number;
}

/** Starts pushing; `shutdown` sends a last export and stops the timer. */
export function startOtlpMetrics(options: OtlpMetricsOptions): { shutdown(): Promise<void> } {
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: options.endpoint, headers: options.headers }),
    exportIntervalMillis: options.intervalMs,
    exportTimeoutMillis: Math.min(30_000, options.intervalMs),
    metricProducers: [new PromRegistryProducer(options.registry, options.resource)],
  });
  const provider = new MeterProvider({ resource: options.resource, readers: [reader] });
  return { shutdown: () => provider.shutdown() };
}
