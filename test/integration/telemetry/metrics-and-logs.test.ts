/**
 * Issue 18 "Metrics" and "Logs": real LLM calls through the gateway over a fake upstream, then `/metrics` and the
 * access log are read back. Every number comes from the request's audit draft, so each assertion also checks that
 * the metric, the log line and the audit event agree.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { memoryLogger } from '../../helpers/memory-logger.ts';
import { metricSample } from '../../helpers/prometheus.ts';
import { type LlmTestGateway, startLlmGateway } from '../llm/support.ts';

const CANARY_UPSTREAM_KEY = 'sk-canary-metrics-0123456789abcdef';
// biome-ignore lint/suspicious/noTemplateCurlyInString: the config's literal env reference syntax
const ENV_REF = '${GATEHOUSE_TEST_METRICS_KEY}';

describe('metrics and access log', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  const log = memoryLogger();

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    process.env.GATEHOUSE_TEST_METRICS_KEY = CANARY_UPSTREAM_KEY;
    gw = await startLlmGateway({
      logger: log.logger,
      file: {
        upstreams: [
          {
            id: 'primary',
            provider: 'openai',
            base_url: `${upstream.origin}/v1`,
            api_keys: [ENV_REF],
          },
        ],
        models: [{ name: 'gpt-obs', targets: [{ upstream: 'primary', model: 'gpt-4o-mini' }] }],
        prices: { 'gpt-obs': { input: 1_000_000, output: 1_000_000 } },
        telemetry: { metrics: { tenant_labels: true } },
      },
    });
  });
  afterAll(async () => {
    delete process.env.GATEHOUSE_TEST_METRICS_KEY;
    await gw?.dispose();
    await upstream?.close();
  });

  async function chat(key: string, stream = false) {
    const response = await request(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-obs', messages: [{ role: 'user', content: 'hello' }], stream }),
    });
    await response.body.text();
    return { status: response.statusCode, requestId: response.headers['x-gatehouse-request-id'] as string };
  }

  async function scrape(): Promise<string> {
    const response = await request(`${gw.baseUrl}/metrics`);
    return response.body.text();
  }

  it('records request duration, GenAI tokens, duration and time to first token, and writes one access line', async () => {
    const key = await gw.createKey();
    const json = await chat(key);
    const streamed = await chat(key, true);
    expect([json.status, streamed.status]).toEqual([200, 200]);
    const [event] = (await gw.auditEvents()).filter((e) => e.request_id === json.requestId);
    const text = await scrape();
    expect(
      metricSample(text, 'gatehouse_requests_total', { surface: 'llm.chat', status: '2xx' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      metricSample(text, 'gatehouse_request_duration_seconds_count', { surface: 'llm.chat', status: '2xx' }),
    ).toBeGreaterThanOrEqual(2);
    const tokenLabels = { operation: 'chat', model: 'gpt-obs', upstream: 'primary', type: 'input' };
    expect(metricSample(text, 'gatehouse_llm_token_usage_tokens_count', tokenLabels)).toBe(2);
    expect(metricSample(text, 'gatehouse_llm_token_usage_tokens_sum', tokenLabels)).toBe(
      2 * (event?.usage?.prompt_tokens as number),
    );
    expect(
      metricSample(text, 'gatehouse_llm_operation_duration_seconds_count', { model: 'gpt-obs', outcome: 'success' }),
    ).toBe(2);
    expect(
      metricSample(text, 'gatehouse_llm_time_to_first_token_seconds_count', { model: 'gpt-obs' }),
    ).toBeGreaterThanOrEqual(1);

    const line = log.lines.find((entry) => entry.kind === 'access' && entry.request_id === json.requestId);
    expect(line).toMatchObject({
      msg: 'request',
      surface: 'llm.chat',
      model: 'gpt-obs',
      upstream: 'primary',
      status: 200,
      outcome: 'success',
      principal: `key:${event?.principal?.id}`,
      tokens: { input: event?.usage?.prompt_tokens, output: event?.usage?.completion_tokens },
    });
    expect(typeof line?.latency_ms).toBe('number');
    expect(log.lines.filter((entry) => entry.request_id === json.requestId && entry.kind === 'access')).toHaveLength(1);
  });

  it('counts admission denials by reason, and logs them', async () => {
    const key = await gw.createKey(undefined, { limits: { rpm: 1 } });
    expect((await chat(key)).status).toBe(200);
    const denied = await chat(key);
    expect(denied.status).toBe(429);
    const text = await scrape();
    expect(
      metricSample(text, 'gatehouse_admission_denials_total', { surface: 'llm.chat', reason: 'rate' }),
    ).toBeGreaterThanOrEqual(1);
    const line = log.lines.find((entry) => entry.request_id === denied.requestId);
    expect(line).toMatchObject({ outcome: 'rate_limited', error_code: 'rate_limit_exceeded', status: 429 });
  });

  it('keeps label cardinality bounded: no key, request or trace id in any series; tenant only because configured', async () => {
    const key = await gw.createKey();
    const { requestId } = await chat(key);
    const [event] = (await gw.auditEvents()).filter((e) => e.request_id === requestId);
    const text = await scrape();
    expect(text).not.toContain(requestId);
    expect(text).not.toContain(event?.principal?.id as string);
    expect(text).not.toContain(key);
    expect(text).not.toContain(CANARY_UPSTREAM_KEY);
    // Tenant labels are on in this file's config, team labels are not: the team label stays empty (absent).
    const cost = metricSample(text, 'gatehouse_llm_cost_usd_total', {
      tenant: event?.principal?.tenant_id as string,
      team: '',
    });
    expect(cost).toBe(event?.usage?.cost_usd);
    expect(text).not.toContain(event?.principal?.team_id as string);
  });

  it('never writes a credential into a log line', async () => {
    const key = await gw.createKey();
    await chat(key);
    const everything = JSON.stringify(log.lines);
    expect(everything).not.toContain(key);
    expect(everything).not.toContain(CANARY_UPSTREAM_KEY);
  });
});
