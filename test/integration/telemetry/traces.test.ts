/**
 * Issue 18 "Traces", end to end: the gateway exports over OTLP/HTTP to a real receiver on loopback. Checks the
 * server span continuing the client's `traceparent`, the pipeline stages as its children, a GenAI client span per
 * upstream attempt (failover: one each) and for a streamed call, the client spans of an MCP tool call and a vault
 * call, the `traceparent` each upstream received (the same trace, naming its client span), the trace id in the
 * response header, the audit event and the audit search, and that no credential appears anywhere in the export.
 * With tracing off, upstreams receive the client's own trace context unchanged.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeSettingsRepository } from '../../../src/store/index.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { eventually, uniqueName } from '../../helpers/gateway.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../../helpers/otlp-receiver.ts';
import { type RecordingMcpServer, startRecordingMcpServer } from '../../helpers/recording-mcp-server.ts';
import { type LlmTestGateway, startLlmGateway } from '../llm/support.ts';
import { type FakeApi, startFakeApi } from '../vault/fakes.ts';

const CANARY = `sk-canary-${randomBytes(12).toString('hex')}`;
// biome-ignore lint/suspicious/noTemplateCurlyInString: the config's literal env reference syntax
const ENV_REF = '${GATEHOUSE_TEST_TRACE_CANARY}';
const SERVER = 2;
const CLIENT = 3;

function traceparent(): { header: string; traceId: string; parentId: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { header: `00-${traceId}-${parentId}-01`, traceId, parentId };
}

/** The `traceparent` a client span's upstream must have received: its trace, its own span id, sampled. */
function headerOf(span: ReceivedSpan): string {
  return `00-${span.traceId}-${span.spanId}-01`;
}

describe('OpenTelemetry traces over OTLP/HTTP', () => {
  let receiver: OtlpReceiver;
  let primary: FakeLlmUpstream;
  let secondary: FakeLlmUpstream;
  let tools: RecordingMcpServer;
  let api: FakeApi;
  let gw: LlmTestGateway;
  let key: string;
  /** A key of the same team opted in to prompt logging: its spans may carry the prompt and the completion. */
  let loggedKey: string;
  /** A key without a setting of its own in a team that opted in: the team's opt-in decides for its spans too. */
  let teamLoggedKey: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    primary = await createFakeLlmUpstream();
    secondary = await createFakeLlmUpstream();
    tools = await startRecordingMcpServer();
    api = await startFakeApi();
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
          {
            id: 'responder',
            provider: 'openai',
            base_url: `${primary.origin}/v1`,
            api_keys: [ENV_REF],
            responses_api: true,
          },
        ],
        models: [
          {
            name: 'traced',
            targets: [{ upstream: 'primary', model: 'gpt-4o-mini' }],
            fallbacks: ['traced-backup'],
          },
          { name: 'traced-backup', targets: [{ upstream: 'secondary', model: 'gpt-4o-mini' }] },
          { name: 'traced-responses', targets: [{ upstream: 'responder', model: 'gpt-4o-mini' }] },
        ],
        mcp: { servers: [{ id: 'tools', transport: 'streamable_http', url: tools.url }] },
        vault: { services: [{ id: 'api', base_url: api.url, auth: { type: 'bearer' } }] },
      },
    });
    const { identity, vault, mcp, snapshot } = gw.gateway;
    const tenant = await identity.createTenant(uniqueName('tenant'));
    const team = await identity.createTeam(tenant.id, uniqueName('team'));
    const issued = await identity.createKey({ tenant: tenant.id, team: team.id, name: uniqueName('key') });
    key = issued.key;
    const logged = await identity.createKey({
      tenant: tenant.id,
      team: team.id,
      name: uniqueName('logged'),
      settings: { prompt_log: { ttl_s: 3600 } },
    });
    loggedKey = logged.key;
    const loggedTeam = await identity.createTeam(tenant.id, uniqueName('logged-team'));
    await scopeSettingsRepository.updateSettings(gw.gateway.store.write, 'teams', loggedTeam.id, () => ({
      prompt_log: { ttl_s: 3600 },
    }));
    await gw.gateway.limits.settings.refresh();
    teamLoggedKey = (
      await identity.createKey({ tenant: tenant.id, team: loggedTeam.id, name: uniqueName('team-logged') })
    ).key;
    // The vault credential is the canary too: neither the vault span nor anything else may carry it.
    await vault.admin.setCredential('api', {}, CANARY);
    await vault.admin.grant(issued.record.id, ['api']);
    await mcp.policies.put(team.id, { rules: [{ server: 'tools', tools: ['echo'], prompts: ['greet'] }] }, null);
    await snapshot.refresh();
  });
  afterAll(async () => {
    delete process.env.GATEHOUSE_TEST_TRACE_CANARY;
    await gw?.dispose();
    await primary?.close();
    await secondary?.close();
    await tools?.stop();
    await api?.close();
    await receiver?.close();
  });

  async function chat(
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
    path = '/v1/chat/completions',
  ) {
    const defaults =
      path === '/v1/responses'
        ? { model: 'traced-responses', input: 'trace me' }
        : { model: 'traced', messages: [{ role: 'user', content: 'trace me' }] };
    const response = await request(`${gw.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ ...defaults, ...body }),
    });
    await response.body.text();
    return {
      status: response.statusCode,
      traceId: response.headers['x-gatehouse-trace-id'] as string | undefined,
      requestId: response.headers['x-gatehouse-request-id'] as string,
    };
  }

  /** Every traceparent the LLM upstreams received (the failover test may leave the primary's circuit open). */
  function llmTraceparents(): string[] {
    return [...primary.requests, ...secondary.requests].map((request) => String(request.headers.traceparent));
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
    expect(genai.name).toBe('chat gpt-4o-mini');
    expect(genai.parentSpanId).toBe(server.spanId);
    expect(genai.startNs >= server.startNs && genai.endNs <= server.endNs).toBe(true);
    expect(genai.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': expect.any(String),
      'gatehouse.model': 'traced',
      'gatehouse.upstream': 'primary',
      'gatehouse.attempt': 1,
    });
    expect(genai.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(genai.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(String(genai.attributes['gen_ai.response.finish_reasons'])).toContain('stop');
    expect(genai.events).toContain('gen_ai.first_token');
    // No opt-in to prompt logging: no prompt text on the span.
    expect(genai.attributes['gen_ai.input.messages']).toBeUndefined();
    // The upstream was called under the gateway's client span, in the caller's trace, with its tracestate.
    const received = primary.requests.at(-1)?.headers;
    expect(received?.traceparent).toBe(headerOf(genai));
    expect(received?.tracestate).toBe('vendor=abc');

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

  it("gives each failover attempt its own client span, and each upstream request that span's traceparent", async () => {
    primary.fail({ type: 'status', status: 503 }, { times: 10 });
    const primarySeen = primary.requests.length;
    const secondarySeen = secondary.requests.length;
    const parent = traceparent();
    const call = await chat({}, { traceparent: parent.header });
    const sent = [
      ...primary.requests.slice(primarySeen).map((request) => request.headers.traceparent),
      ...secondary.requests.slice(secondarySeen).map((request) => request.headers.traceparent),
    ];
    primary.reset();
    expect(call.status).toBe(200);
    const event = await gw.auditEventFor(call.requestId);
    const attempts = event?.upstream?.attempts ?? 0;
    expect(attempts).toBeGreaterThanOrEqual(2);
    const spans = await spansOf(parent.traceId, 6 + attempts);
    const server = spans.find((span) => span.kind === SERVER) as ReceivedSpan;
    const clients = spans.filter((span) => span.kind === CLIENT).sort((a, b) => Number(a.startNs - b.startNs));
    expect(clients).toHaveLength(attempts);
    for (const client of clients) expect(client.parentSpanId).toBe(server.spanId);
    expect(new Set(clients.map((client) => client.spanId)).size).toBe(attempts);
    const answered = clients.at(-1) as ReceivedSpan;
    expect(answered.attributes).toMatchObject({ 'gatehouse.upstream': 'secondary', 'gatehouse.attempt': attempts });
    expect(answered.attributes['error.type']).toBeUndefined();
    for (const failed of clients.slice(0, -1)) {
      expect(failed.attributes).toMatchObject({ 'gatehouse.upstream': 'primary', 'http.response.status_code': 503 });
      expect(failed.attributes['error.type']).toEqual(expect.stringMatching(/^upstream_/));
      expect(failed.statusCode).toBe(2);
    }
    expect(sent).toEqual(clients.map(headerOf));
  });

  it('traces a streamed call with its first token', async () => {
    const parent = traceparent();
    const call = await chat({ stream: true }, { traceparent: parent.header });
    expect(call.status).toBe(200);
    const spans = await spansOf(parent.traceId, 6);
    const genai = spans.find((span) => span.kind === CLIENT) as ReceivedSpan;
    expect(genai.attributes['gatehouse.stream']).toBe(true);
    expect(genai.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThanOrEqual(0);
    expect(String(genai.attributes['gen_ai.response.finish_reasons'])).toContain('stop');
    expect(genai.events).toContain('gen_ai.first_token');
    expect(genai.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(llmTraceparents()).toContain(headerOf(genai));
    // No opt-in to prompt logging: no completion text either.
    expect(genai.attributes['gen_ai.output.messages']).toBeUndefined();
  });

  /** The GenAI client span of one call, once exported. */
  async function attemptSpan(
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
    path?: string,
  ): Promise<ReceivedSpan> {
    const parent = traceparent();
    const call = await chat(body, { traceparent: parent.header, ...headers }, path);
    expect(call.status).toBe(200);
    const spans = await spansOf(parent.traceId, 6);
    return spans.find((span) => span.kind === CLIENT) as ReceivedSpan;
  }

  /** Runs `action` with both LLM upstreams answering `text` (the failover test may leave the primary cooling down). */
  async function withReplyText<T>(text: string, action: () => Promise<T>): Promise<T> {
    const before = [primary.replyText, secondary.replyText] as const;
    primary.replyText = text;
    secondary.replyText = text;
    try {
      return await action();
    } finally {
      [primary.replyText, secondary.replyText] = before;
    }
  }

  it('gives a stream from a Responses API upstream its finish reason, as a JSON Response gives its status', async () => {
    const streamed = await attemptSpan({ stream: true }, {}, '/v1/responses');
    expect(streamed.attributes['gatehouse.stream']).toBe(true);
    expect(String(streamed.attributes['gen_ai.response.finish_reasons'])).toContain('"completed"');
    const json = await attemptSpan({}, {}, '/v1/responses');
    expect(String(json.attributes['gen_ai.response.finish_reasons'])).toContain('"completed"');
  });

  it('gives a JSON reply over 64 KiB (read member by member, never parsed whole) its finish reason', async () => {
    const genai = await withReplyText('long answer words '.repeat(5000), () => attemptSpan({}));
    expect(String(genai.attributes['gen_ai.response.finish_reasons'])).toContain('stop');
    expect(genai.attributes['gen_ai.response.id']).toEqual(expect.any(String));
    // 15,000 words, one token each in the fake's usage: the reply was the large one.
    expect(genai.attributes['gen_ai.usage.output_tokens']).toBe(15_000);
  });

  it('records the streamed completion text for an opted-in key, in the shape a JSON reply records it', async () => {
    const logged = { authorization: `Bearer ${loggedKey}` };
    const chatStream = await attemptSpan({ stream: true }, logged);
    const chatJson = await attemptSpan({}, logged);
    const streamedChoices = JSON.parse(String(chatStream.attributes['gen_ai.output.messages']));
    expect(streamedChoices).toEqual([
      { index: 0, message: { role: 'assistant', content: primary.replyText }, finish_reason: 'stop' },
    ]);
    expect(JSON.parse(String(chatJson.attributes['gen_ai.output.messages']))).toMatchObject(streamedChoices);

    const responses = await attemptSpan({ stream: true }, logged, '/v1/responses');
    expect(JSON.parse(String(responses.attributes['gen_ai.output.messages']))).toEqual([
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: primary.replyText }] },
    ]);
    const notLogged = await attemptSpan({ stream: true }, {}, '/v1/responses');
    expect(notLogged.attributes['gen_ai.output.messages']).toBeUndefined();
    expect(notLogged.attributes['gen_ai.input.messages']).toBeUndefined();
  });

  it('cuts the streamed completion text at 64 KiB and says so', async () => {
    const long = 'streamed words '.repeat(5000);
    const genai = await withReplyText(long, () =>
      attemptSpan({ stream: true }, { authorization: `Bearer ${loggedKey}` }),
    );
    const [choice] = JSON.parse(String(genai.attributes['gen_ai.output.messages']));
    expect(Buffer.byteLength(choice.message.content)).toBe(64 * 1024);
    expect(long.startsWith(choice.message.content)).toBe(true);
    expect(genai.attributes['gatehouse.output.truncated']).toBe(true);
  });

  it.each([
    ['a key opted in to prompt logging', () => loggedKey],
    ["a key without a setting of its own whose team opted in (the prompt log's own rule)", () => teamLoggedKey],
  ])('records prompt and completion text on the attempt span for %s', async (_name, loggedBy) => {
    const parent = traceparent();
    const call = await chat(
      { messages: [{ role: 'user', content: 'opted-in prompt text' }] },
      { traceparent: parent.header, authorization: `Bearer ${loggedBy()}` },
    );
    expect(call.status).toBe(200);
    const spans = await spansOf(parent.traceId, 7);
    const genai = spans.find((span) => span.kind === CLIENT) as ReceivedSpan;
    expect(genai.attributes['gen_ai.input.messages']).toContain('opted-in prompt text');
    expect(genai.attributes['gen_ai.output.messages']).toContain('assistant');
  });

  it('traces an MCP tool call: a client span with the tool and server, its traceparent at the MCP server', async () => {
    const parent = traceparent();
    const seen = tools.headers.length;
    const response = await request(`${gw.baseUrl}/mcp/v1/servers/tools/tools/echo:call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', traceparent: parent.header },
      body: JSON.stringify({ arguments: { text: 'hello' } }),
    });
    expect(response.statusCode).toBe(200);
    await response.body.text();
    const spans = await spansOf(parent.traceId, 7);
    const server = spans.find((span) => span.kind === SERVER) as ReceivedSpan;
    const tool = spans.find((span) => span.kind === CLIENT) as ReceivedSpan;
    expect(tool.name).toBe('execute_tool echo');
    expect(tool.parentSpanId).toBe(server.spanId);
    expect(tool.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'echo',
      'mcp.method.name': 'tools/call',
      'gatehouse.mcp.server': 'tools',
    });
    const carried = tools.headers.slice(seen).map((headers) => headers.traceparent);
    expect(carried).toContain(headerOf(tool));
  });

  it('traces the other MCP operations too: prompts/get from an MCP client is a client span at the server', async () => {
    const parent = traceparent();
    const seen = tools.headers.length;
    const client = new Client({ name: 'trace-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gw.baseUrl}/mcp/servers/tools`), {
        requestInit: { headers: { authorization: `Bearer ${key}`, traceparent: parent.header } },
      }),
    );
    try {
      const prompt = await client.getPrompt({ name: 'greet' });
      expect(prompt.messages).toHaveLength(1);
    } finally {
      await client.close();
    }
    const get = await eventually(
      () => receiver.spans.find((span) => span.traceId === parent.traceId && span.name === 'prompts/get greet'),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(get.kind).toBe(CLIENT);
    expect(get.attributes).toMatchObject({ 'mcp.method.name': 'prompts/get', 'gatehouse.mcp.server': 'tools' });
    const server = receiver.spans.find((span) => span.spanId === get.parentSpanId);
    expect(server?.kind).toBe(SERVER);
    expect(tools.headers.slice(seen).map((headers) => headers.traceparent)).toContain(headerOf(get));
  });

  it("traces a vault call: a client span with the service, whose traceparent replaces the caller's", async () => {
    const parent = traceparent();
    const seen = api.seen.length;
    const response = await request(`${gw.baseUrl}/vault/api/things`, {
      headers: { authorization: `Bearer ${key}`, traceparent: parent.header },
    });
    expect(response.statusCode).toBe(200);
    await response.body.text();
    const spans = await spansOf(parent.traceId, 7);
    const server = spans.find((span) => span.kind === SERVER) as ReceivedSpan;
    const vault = spans.find((span) => span.kind === CLIENT) as ReceivedSpan;
    expect(vault.name).toBe('GET vault api');
    expect(vault.parentSpanId).toBe(server.spanId);
    expect(vault.attributes).toMatchObject({
      'gatehouse.vault.service': 'api',
      'http.request.method': 'GET',
      'http.response.status_code': 200,
    });
    expect(api.seen.slice(seen).map((entry) => entry.headers.traceparent)).toEqual([headerOf(vault)]);
  });

  it('samples by ratio at the root: with ratio 0 and no caller, nothing is exported but the trace id is still given', async () => {
    const call = await chat({});
    expect(call.traceId).toMatch(/^[0-9a-f]{32}$/);
    // Not sampled, still propagated: the upstream learns the trace id, flagged unsampled.
    expect(llmTraceparents().filter((header) => header.startsWith(`00-${call.traceId}-`))).toEqual([
      expect.stringMatching(/-00$/),
    ]);
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
      'gatehouse_upstream_attempts_total',
      'gatehouse_mcp_tool_call_duration_seconds',
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
    expect(everything).not.toContain(loggedKey);
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain(key.slice(3, 20));
  });
});

describe('trace context with tracing off', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let key: string;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({
      file: {
        upstreams: [{ id: 'plain', provider: 'openai', base_url: `${upstream.origin}/v1`, api_keys: ['sk-plain'] }],
        models: [{ name: 'plain', targets: [{ upstream: 'plain', model: 'gpt-4o-mini' }] }],
      },
    });
    key = await gw.createKey();
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });

  async function chat(headers: Record<string, string>) {
    const response = await request(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'plain', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.body.text();
    return response;
  }

  it("passes the caller's traceparent and tracestate to the upstream unchanged, and adds none without them", async () => {
    const parent = traceparent();
    const traced = await chat({ traceparent: parent.header, tracestate: 'vendor=abc' });
    expect(traced.statusCode).toBe(200);
    expect(traced.headers['x-gatehouse-trace-id']).toBeUndefined();
    expect(upstream.requests.at(-1)?.headers).toMatchObject({ traceparent: parent.header, tracestate: 'vendor=abc' });
    const plain = await chat({});
    expect(plain.statusCode).toBe(200);
    expect(upstream.requests.at(-1)?.headers.traceparent).toBeUndefined();
  });
});
