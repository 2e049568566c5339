/**
 * Issue 18 "Traces", end to end: the gateway exports over OTLP/HTTP to a real receiver on loopback. Checks the
 * server span continuing the client's `traceparent`, the pipeline stages as its children, the GenAI span of a
 * chat call (with failover) and of a streamed call, the trace id in the response header, the audit event and the
 * audit search, and that no credential appears anywhere in what was exported.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { eventually } from '../../helpers/gateway.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../../helpers/otlp-receiver.ts';
import { type LlmTestGateway, startLlmGateway } from '../llm/support.ts';

const CANARY = `sk-canary-${randomBytes(12).toString('hex')}`;
// biome-ignore lint/suspicious/noTemplateCurlyInString: the config's literal env reference syntax
const ENV_REF = '${GATEHOUSE_TEST_TRACE_CANARY}';
const SERVER = 2;
const CLIENT = 3;

describe('OpenTelemetry traces over OTLP/HTTP', () => {
  let receiver: OtlpReceiver;
  let primary: FakeLlmUpstream;
  let secondary: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let key: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    primary = await createFakeLlmUpstream();
    secondary = await createFakeLlmUpstream();
    process.env.GATEHOUSE_TEST_TRACE_CANARY = CANARY;
    gw = await startLlmGateway({
      env: {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${CANARY}`,
        OTEL_SERVICE_NAME: 'gatehouse-under-test',
        // Root traces are never sampled here: every exported trace below is one a caller sampled.
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0',
      },
      file: {
        upstreams: [
          { id: 'primary', provider: 'openai', base_url: `${primary.origin}/v1`, api_keys: [ENV_REF] },
          { id: 'secondary', provider: 'openai', base_url: `${secondary.origin}/v1`, api_keys: [ENV_REF] },
        ],
        models: [
          {
            name: 'traced',
            targets: [{ upstream: 'primary', model: 'gpt-4o-mini' }],
            fallbacks: ['traced-backup'],
          },
          { name: 'traced-backup', targets: [{ upstream: 'secondary', model: 'gpt-4o-mini' }] },
        ],
      },
    });
    key = await gw.createKey();
  });
  afterAll(async () => {
    delete process.env.GATEHOUSE_TEST_TRACE_CANARY;
    await gw?.dispose();
    await primary?.close();
    await secondary?.close();
    await receiver?.close();
  });

  function traceparent(): { header: string; traceId: string; parentId: string } {
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    return { header: `00-${traceId}-${parentId}-01`, traceId, parentId };
  }

  async function chat(body: Record<string, unknown>, headers: Record<string, string> = {}) {
    const response = await request(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'traced', messages: [{ role: 'user', content: 'trace me' }], ...body }),
    });
    await response.body.text();
    return {
      status: response.statusCode,
      traceId: response.headers['x-gatehouse-trace-id'] as string | undefined,
      requestId: response.headers['x-gatehouse-request-id'] as string,
    };
  }

  async function spansOf(traceId: string, count: number): Promise<ReceivedSpan[]> {
    return eventually(
      () => {
        const spans = receiver.spans.filter((span) => span.traceId === traceId);
        return spans.length >= count ? spans : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  }

  it('continues the caller trace: server span, stage children, GenAI span, header, audit event and search', async () => {
    const parent = traceparent();
    const call = await chat({}, { traceparent: parent.header, tracestate: 'vendor=abc' });
    expect(call.status).toBe(200);
    expect(call.traceId).toBe(parent.traceId);

    const spans = await spansOf(parent.traceId, 6);
    const server = spans.find((span) => span.kind === SERVER) as ReceivedSpan;
    expect(server.name).toBe('POST /v1/chat/completions');
    expect(server.parentSpanId).toBe(parent.parentId);
    expect(server.resource['service.name']).toBe('gatehouse-under-test');
    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/chat/completions',
      'http.response.status_code': 200,
      'gatehouse.surface': 'llm.chat',
      'gatehouse.request_id': call.requestId,
      'gatehouse.outcome': 'success',
    });
    const stages = spans.filter((span) => span.name.startsWith('gatehouse.'));
    expect(stages.map((span) => span.name)).toEqual(
      expect.arrayContaining([
        'gatehouse.identify',
        'gatehouse.authorize',
        'gatehouse.admit',
        'gatehouse.handler',
        'gatehouse.settle',
      ]),
    );
    for (const stage of stages) {
      expect(stage.parentSpanId).toBe(server.spanId);
      expect(stage.startNs >= server.startNs && stage.endNs <= server.endNs, stage.name).toBe(true);
    }
    const genai = spans.find((span) => span.kind === CLIENT) as ReceivedSpan;
    expect(genai.name).toBe('chat traced');
    expect(genai.parentSpanId).toBe(server.spanId);
    expect(genai.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'traced',
      'gen_ai.response.model': 'gpt-4o-mini',
      'gatehouse.upstream': 'primary',
    });
    expect(genai.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(genai.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);

    const event = await gw.auditEventFor(call.requestId);
    expect(event?.trace_id).toBe(parent.traceId);
    const { token } = await gw.gateway.admin.bootstrapPlatformAdmin(
      `trace-${randomBytes(3).toString('hex')}@example.com`,
    );
    await gw.gateway.adminSnapshot.refresh();
    const search = await request(`${gw.baseUrl}/admin/v1/audit?trace_id=${parent.traceId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const found = (await search.body.json()) as { data: Array<{ request_id: string }> };
    expect(found.data.map((e) => e.request_id)).toEqual([call.requestId]);
  });

  it('records failover on the GenAI span: the answering upstream and the attempt count', async () => {
    primary.fail({ type: 'status', status: 503 }, { times: 10 });
    const parent = traceparent();
    const call = await chat({}, { traceparent: parent.header });
    primary.reset();
    expect(call.status).toBe(200);
    const spans = await spansOf(parent.traceId, 6);
    const genai = spans.find((span) => span.kind === CLIENT) as ReceivedSpan;
    expect(genai.attributes['gatehouse.upstream']).toBe('secondary');
    expect(genai.attributes['gatehouse.upstream_attempts']).toBeGreaterThanOrEqual(2);
  });

  it('traces a streamed call with its first token', async () => {
    const parent = traceparent();
    const call = await chat({ stream: true }, { traceparent: parent.header });
    expect(call.status).toBe(200);
    const spans = await spansOf(parent.traceId, 6);
    const genai = spans.find((span) => span.kind === CLIENT) as ReceivedSpan;
    expect(genai.attributes['gatehouse.stream']).toBe(true);
    expect(genai.events).toContain('gen_ai.first_token');
    expect(genai.attributes['gatehouse.time_to_first_token_ms']).toBeGreaterThanOrEqual(0);
  });

  it('samples by ratio at the root: with ratio 0 and no caller, nothing is exported but the trace id is still given', async () => {
    const call = await chat({});
    expect(call.traceId).toMatch(/^[0-9a-f]{32}$/);
    const event = await gw.auditEventFor(call.requestId);
    expect(event?.trace_id).toBe(call.traceId);
    // The other tests' traces arrive within the same export interval; this one must never.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.spans.filter((span) => span.traceId === call.traceId)).toEqual([]);
  });

  it('pushes the /metrics instruments over OTLP, the GenAI ones under their semantic-convention names', async () => {
    await eventually(() => receiver.metricNames.has('gen_ai.client.token.usage'), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    for (const name of [
      'gen_ai.client.operation.duration',
      'gatehouse_requests_total',
      'gatehouse_request_duration_seconds',
    ]) {
      expect(receiver.metricNames, name).toContain(name);
    }
  });

  it('exports no credential: neither the virtual key, nor the upstream key, nor the exporter header', async () => {
    await eventually(() => receiver.bodies.length > 0);
    const everything = receiver.bodies.join('\n');
    expect(everything).not.toContain(key);
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain(key.slice(3, 20));
  });
});
