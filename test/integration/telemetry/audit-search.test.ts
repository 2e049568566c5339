/**
 * Issue 18 "Audit search": every filter of `GET /admin/v1/audit` and the CLI, keyset cursor pages with nothing
 * repeated or skipped, and bad input answered with a 400 naming the parameter and exactly one audit event. Tracing
 * is on (to a loopback OTLP receiver) so that each event has a trace id to search by.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../src/domain/audit/index.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { runCliWithEnv } from '../../helpers/gateway.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../../helpers/otlp-receiver.ts';
import { type LlmTestGateway, startLlmGateway } from '../llm/support.ts';

describe('audit search', () => {
  let upstream: FakeLlmUpstream;
  let receiver: OtlpReceiver;
  let gw: LlmTestGateway;
  let admin: Record<string, string>;
  const calls: Array<{ status: number; requestId: string; traceId: string }> = [];
  let keyA: string;

  /** A chat call; `session` goes in `x-gatehouse-session`, the agent session header of any client. */
  async function chat(key: string, model: string, session?: string) {
    const response = await request(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(session ? { 'x-gatehouse-session': session } : {}),
      },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.body.text();
    calls.push({
      status: response.statusCode,
      requestId: response.headers['x-gatehouse-request-id'] as string,
      traceId: response.headers['x-gatehouse-trace-id'] as string,
    });
    return calls.at(-1) as { status: number; requestId: string; traceId: string };
  }

  async function search(query: string) {
    const response = await request(`${gw.baseUrl}/admin/v1/audit?${query}`, { headers: admin });
    const body = (await response.body.json()) as {
      data: AuditEvent[];
      next_cursor: string | null;
      error?: { code: string; param: string | null };
    };
    return { status: response.statusCode, body, requestId: response.headers['x-gatehouse-request-id'] as string };
  }

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    receiver = await startOtlpReceiver();
    gw = await startLlmGateway({
      env: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint },
      file: {
        upstreams: [{ id: 'primary', provider: 'openai', base_url: `${upstream.origin}/v1` }],
        models: [
          { name: 'alpha', targets: [{ upstream: 'primary', model: 'gpt-4o-mini' }] },
          { name: 'beta', targets: [{ upstream: 'primary', model: 'gpt-4o-mini' }] },
        ],
      },
    });
    const { token } = await gw.gateway.admin.bootstrapPlatformAdmin('audit-search@example.com');
    await gw.gateway.adminSnapshot.refresh();
    admin = { authorization: `Bearer ${token}` };
    keyA = await gw.createKey(undefined, { limits: { rpm: 3 } });
    const keyB = await gw.createKey();
    await chat(keyA, 'alpha');
    await chat(keyA, 'beta', 'agent-run-1');
    await chat(keyA, 'alpha', 'agent-run-1');
    await chat(keyA, 'alpha'); // the fourth in a minute: 429
    await chat(keyB, 'beta', 'agent-run-2');
    await gw.gateway.audit.flush();
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
    await receiver?.close();
  });

  it('filters by request id, model, status, status class, outcome, surface, principal and team', async () => {
    const events = await gw.auditEvents();
    const first = events.find((event) => event.request_id === calls[0]?.requestId) as AuditEvent;
    const principal = first.principal?.id as string;
    const team = first.principal?.team_id as string;

    const byRequest = await search(`request_id=${calls[0]?.requestId}`);
    expect(byRequest.body.data.map((e) => e.id)).toEqual([first.id]);

    // The refused fourth call asked for alpha too: the route's call names its model before admission refuses it.
    const alpha = await search(`model=alpha&surface=llm.chat`);
    expect(alpha.body.data.map((e) => [e.meta.model, e.status])).toEqual([
      ['alpha', 429],
      ['alpha', 200],
      ['alpha', 200],
    ]);

    const limited = await search('status=429');
    expect(limited.body.data.map((e) => e.request_id)).toEqual([calls[3]?.requestId]);
    expect((await search('status=4xx&surface=llm.chat')).body.data.map((e) => e.request_id)).toEqual([
      calls[3]?.requestId,
    ]);
    expect((await search('outcome=rate_limited')).body.data).toHaveLength(1);

    const mine = await search(`principal=${principal}&status=2xx`);
    expect(mine.body.data).toHaveLength(3);
    const ofTeam = await search(`team=${team}&surface=llm.chat`);
    expect(new Set(ofTeam.body.data.map((e) => e.principal?.team_id))).toEqual(new Set([team]));
    expect(ofTeam.body.data).toHaveLength(4);
    // Newest first.
    expect(ofTeam.body.data.map((e) => e.request_id)).toEqual(
      calls
        .slice(0, 4)
        .map((c) => c.requestId)
        .reverse(),
    );
  });

  it('pages with a keyset cursor: every event once, in order, and no cursor after the last page', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await search(`surface=llm.chat&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((e) => e.request_id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual(calls.map((c) => c.requestId).reverse());
    expect(pages).toBe(3);
  });

  it('refuses malformed filters with a 400 naming the parameter, audited once', async () => {
    for (const [query, param] of [
      ['status=abc', 'status'],
      ['status=6xx', 'status'],
      ['trace_id=XYZ', 'trace_id'],
      ['outcome=maybe', 'outcome'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['colour=blue', null],
    ] as const) {
      const result = await search(query);
      expect(result.status, query).toBe(400);
      expect(result.body.error?.code, query).toBe('invalid_request');
      if (param !== null) expect(result.body.error?.param, query).toBe(param);
      const recorded = (await gw.auditEvents()).filter((event) => event.request_id === result.requestId);
      expect(
        recorded.map((event) => [event.surface, event.status]),
        query,
      ).toEqual([['admin.audit.query', 400]]);
    }
  });

  it('the CLI takes the same filters', async () => {
    const env = gw.environment.env;
    const tail = await runCliWithEnv(env, ['audit', 'tail', '--model', 'beta', '--status', '2xx', '-n', '10']);
    expect(tail.code, tail.stderr).toBe(0);
    expect(tail.out.map((line) => (JSON.parse(line) as AuditEvent).request_id)).toEqual([
      calls[1]?.requestId,
      calls[4]?.requestId,
    ]);
    const exported = await runCliWithEnv(env, ['audit', 'export', '--request-id', calls[3]?.requestId as string]);
    expect(exported.out.map((line) => (JSON.parse(line) as AuditEvent).status)).toEqual([429]);
    const requestIds = (run: { out: string[] }) => run.out.map((line) => (JSON.parse(line) as AuditEvent).request_id);

    // Each call is its own trace; export and tail each find exactly the one event of the trace named.
    expect(new Set(calls.map((call) => call.traceId)).size).toBe(calls.length);
    for (const call of [calls[2], calls[4]]) {
      const traceId = call?.traceId as string;
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      for (const command of ['export', 'tail']) {
        const byTrace = await runCliWithEnv(env, ['audit', command, '--trace-id', traceId]);
        expect(byTrace.code, byTrace.stderr).toBe(0);
        expect(requestIds(byTrace), `${command} --trace-id`).toEqual([call?.requestId]);
      }
    }

    // A session's events, oldest first; tail -n keeps the newest; other filters still apply beside it.
    const session = await runCliWithEnv(env, ['audit', 'export', '--session', 'agent-run-1']);
    expect(session.code, session.stderr).toBe(0);
    expect(requestIds(session)).toEqual([calls[1]?.requestId, calls[2]?.requestId]);
    const newest = await runCliWithEnv(env, ['audit', 'tail', '--session', 'agent-run-1', '-n', '1']);
    expect(requestIds(newest)).toEqual([calls[2]?.requestId]);
    const other = await runCliWithEnv(env, ['audit', 'tail', '--session', 'agent-run-2']);
    expect(requestIds(other)).toEqual([calls[4]?.requestId]);
    const none = await runCliWithEnv(env, ['audit', 'export', '--session', 'agent-run-1', '--model', 'gamma']);
    expect([none.code, none.out]).toEqual([0, []]);
    const traceOfOther = await runCliWithEnv(env, [
      'audit',
      'export',
      '--session',
      'agent-run-2',
      '--trace-id',
      calls[2]?.traceId as string,
    ]);
    expect(traceOfOther.out).toEqual([]);

    const bad = await runCliWithEnv(env, ['audit', 'tail', '--status', 'teapot']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--status');
  });

  it('the OpenAPI document describes every filter', async () => {
    const response = await request(`${gw.baseUrl}/openapi.json`);
    const document = (await response.body.json()) as {
      paths: Record<string, { get?: { parameters?: Array<{ name: string; in: string; description?: string }> } }>;
    };
    const parameters = document.paths['/admin/v1/audit']?.get?.parameters ?? [];
    const described = parameters.filter((p) => p.in === 'query' && (p.description ?? '').length > 0).map((p) => p.name);
    for (const name of [
      'request_id',
      'trace_id',
      'model',
      'status',
      'outcome',
      'surface',
      'principal',
      'team',
      'session',
      'cursor',
    ]) {
      expect(described, name).toContain(name);
    }
  });
});
