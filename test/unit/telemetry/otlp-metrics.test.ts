import { DataPointType } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/telemetry/index.ts';
import { toMetricData } from '../../../src/telemetry/otlp-metrics.ts';

describe('OTLP metrics from the prom-client registry', () => {
  it('turns cumulative le buckets into per-bucket counts and renames the GenAI instruments', async () => {
    const metrics = createMetrics();
    for (const [input, output] of [
      [3, 10],
      [100, 5000],
    ] as const) {
      metrics.observeLlmCall({
        operation: 'chat',
        model: 'm',
        upstream: 'u',
        outcome: 'success',
        durationSeconds: 0.05,
        inputTokens: input,
        outputTokens: output,
        ttftSeconds: null,
        costUsd: null,
        tenantId: null,
        teamId: null,
      });
    }
    const json = await metrics.registry.getMetricsAsJSON();
    const tokens = json.find((metric) => metric.name === 'gatehouse_llm_token_usage_tokens');
    const data = toMetricData(tokens as unknown as Parameters<typeof toMetricData>[0], [0, 0], [1, 0]);
    expect(data?.descriptor.name).toBe('gen_ai.client.token.usage');
    expect(data?.dataPointType).toBe(DataPointType.HISTOGRAM);
    const input = data?.dataPoints.find((point) => point.attributes['gen_ai.token.type'] === 'input');
    expect(input?.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'm',
      'gatehouse.upstream': 'u',
      'gen_ai.token.type': 'input',
    });
    const value = input?.value as { buckets: { boundaries: number[]; counts: number[] }; sum: number; count: number };
    expect(value.count).toBe(2);
    expect(value.sum).toBe(103);
    expect(value.buckets.counts.length).toBe(value.buckets.boundaries.length + 1);
    // 3 falls in (1, 4], 100 in (64, 256]; every other bucket is empty.
    const nonEmpty = value.buckets.counts.flatMap((count, i) =>
      count > 0 ? [[value.buckets.boundaries[i], count]] : [],
    );
    expect(nonEmpty).toEqual([
      [4, 1],
      [256, 1],
    ]);
  });

  it('exports counters as monotonic sums with their labels as attributes', async () => {
    const metrics = createMetrics();
    metrics.countDenial('llm.chat', 'budget');
    const json = await metrics.registry.getMetricsAsJSON();
    const denials = json.find((metric) => metric.name === 'gatehouse_admission_denials_total');
    const data = toMetricData(denials as unknown as Parameters<typeof toMetricData>[0], [0, 0], [1, 0]);
    expect(data).toMatchObject({ dataPointType: DataPointType.SUM, isMonotonic: true });
    expect(data?.dataPoints[0]).toMatchObject({ attributes: { surface: 'llm.chat', reason: 'budget' }, value: 1 });
  });
});
