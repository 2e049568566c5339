/**
 * Issue 18 "Prompt logging, opt-in", wired into the LLM routes: a key that opted in has the request body and what it
 * received (JSON reply, or the stream's bytes) of every call stored, readable through the admin API with
 * `prompts.read`; a key that did not has nothing stored, on any dialect. The prompt's canary is only ever in the
 * encrypted envelope, never in the row's plaintext. The TTL and purge are proven in telemetry/prompt-log.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { eventually } from '../../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway, twoUpstreamConfig } from './support.ts';

const CANARY = `canary-${randomBytes(8).toString('hex')}`;

describe('prompt logging on the LLM routes', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let optedIn: string;
  let notOptedIn: string;
  let admin: Record<string, string>;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({ file: twoUpstreamConfig(upstream.origin, upstream.origin) });
    optedIn = await gw.createKey(undefined, { prompt_log: { ttl_s: 3600 } });
    notOptedIn = await gw.createKey();
    const { token } = await gw.gateway.admin.bootstrapPlatformAdmin('prompt-calls@example.com');
    admin = { authorization: `Bearer ${token}` };
    await gw.gateway.adminSnapshot.refresh();
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });

  async function call(key: string, path: string, body: Record<string, unknown>) {
    const response = await request(`${gw.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.body.text();
    expect(response.statusCode, text).toBe(200);
    return { requestId: response.headers['x-gatehouse-request-id'] as string, text };
  }

  async function readLog(requestId: string) {
    const response = await request(`${gw.baseUrl}/admin/v1/prompt-logs/${requestId}`, { headers: admin });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
  }

  const chat = (stream: boolean) => ({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: `remember ${CANARY}` }],
    stream,
  });

  it.each([
    ['chat JSON', '/v1/chat/completions', chat(false)],
    ['chat stream', '/v1/chat/completions', chat(true)],
    ['Responses JSON', '/v1/responses', { model: 'gpt-4o-mini', input: `remember ${CANARY}` }],
    ['Responses stream', '/v1/responses', { model: 'gpt-4o-mini', input: `remember ${CANARY}`, stream: true }],
    ['Ollama chat stream', '/api/chat', { model: 'llama3', messages: [{ role: 'user', content: CANARY }] }],
  ])("stores an opted-in key's %s call, readable with prompts.read", async (_name, path, body) => {
    const { requestId, text } = await call(optedIn, path, body);
    const entry = await eventually(async () => {
      const read = await readLog(requestId);
      return read.status === 200 ? read.body : undefined;
    });
    expect(entry).toMatchObject({ request_id: requestId, request: body });
    expect(entry?.response).toBe(text);
    const row = await gw.gateway.store.read
      .selectFrom('prompt_logs')
      .selectAll()
      .where('request_id', '=', requestId)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(CANARY);
  });

  it('stores nothing for a key that did not opt in, on any dialect', async () => {
    const ids = [
      (await call(notOptedIn, '/v1/chat/completions', chat(false))).requestId,
      (await call(notOptedIn, '/v1/chat/completions', chat(true))).requestId,
      (await call(notOptedIn, '/v1/responses', { model: 'gpt-4o-mini', input: CANARY })).requestId,
      (await call(notOptedIn, '/api/chat', { model: 'llama3', messages: [{ role: 'user', content: CANARY }] }))
        .requestId,
    ];
    // An opted-in call made after them is stored: once it is there, theirs would have been too.
    const { requestId: marker } = await call(optedIn, '/v1/chat/completions', chat(false));
    await eventually(async () => ((await readLog(marker)).status === 200 ? true : undefined));
    for (const id of ids) expect((await readLog(id)).status).toBe(404);
    const rows = await gw.gateway.store.read
      .selectFrom('prompt_logs')
      .select('request_id')
      .where('request_id', 'in', ids)
      .execute();
    expect(rows).toEqual([]);
  });
});
