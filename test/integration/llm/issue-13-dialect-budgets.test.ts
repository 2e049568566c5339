/**
 * Issue 13 "Limits, budgets, prices and audit hold identically on the new surfaces": a key's token budget refuses
 * a Messages call and a Responses call, JSON and streamed, with a 429 in that dialect's own envelope (checked
 * against its contract schema), an audit event whose outcome is `budget_exceeded`, and nothing sent upstream.
 */
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contractValidator } from '../../helpers/contract-schemas.ts';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { eventually } from '../../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from './support.ts';

/**
 * Each call reserves its output ceiling and more, so the first fits in the budget. It then spends about 50
 * tokens (the reply's words), so the second call's reservation does not fit, whether the first has settled yet
 * (spent + reservation) or not (two reservations).
 */
const BUDGET = { budgets: { tokens_total: 100 } };
const CEILING = 60;
const REPLY = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ');

interface Surface {
  path: string;
  envelope: string;
  /** The error `type` this dialect names a spent budget with. */
  type: string;
  headers: Record<string, string>;
  body(stream: boolean): Record<string, unknown>;
}

const SURFACES: Record<'messages' | 'responses', Surface> = {
  messages: {
    path: '/v1/messages',
    envelope: 'anthropic-error',
    type: 'billing_error',
    headers: { 'anthropic-version': '2023-06-01' },
    body: (stream) => ({ model: 'claude', max_tokens: CEILING, stream, messages: [{ role: 'user', content: 'hi' }] }),
  },
  responses: {
    path: '/v1/responses',
    envelope: 'error',
    type: 'insufficient_quota',
    headers: {},
    body: (stream) => ({ model: 'agent', max_output_tokens: CEILING, stream, store: false, input: 'hi' }),
  },
};

describe('issue 13: a key budget refuses Messages and Responses calls in their own envelope', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    gw = await startLlmGateway({
      file: {
        upstreams: [
          { id: 'claude', provider: 'anthropic', base_url: upstream.origin, api_keys: ['sk-ant-fake'] },
          { id: 'native', provider: 'openai', base_url: `${upstream.origin}/v1`, responses_api: true },
        ],
        models: [
          { name: 'claude', targets: [{ upstream: 'claude', model: 'claude-sonnet-4-5' }] },
          { name: 'agent', targets: [{ upstream: 'native', model: 'gpt-5-mini' }] },
        ],
      },
    });
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });
  beforeEach(() => {
    upstream.reset();
    upstream.replyText = REPLY;
  });

  /** What reached the upstream besides the gateway's readiness probes (GETs of the model listings). */
  function calls() {
    return upstream.requests.filter((seen) => seen.method !== 'GET');
  }

  async function send(key: string, surface: Surface, stream: boolean) {
    const response = await request(`${gw.baseUrl}${surface.path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...surface.headers },
      body: JSON.stringify(surface.body(stream)),
    });
    const text = await response.body.text();
    return { status: response.statusCode, text, requestId: String(response.headers['x-gatehouse-request-id']) };
  }

  it.each([
    ['messages', false],
    ['messages', true],
    ['responses', false],
    ['responses', true],
  ] as const)('%s (stream %s): 429 budget_exceeded, audited, upstream untouched', async (name, stream) => {
    const surface = SURFACES[name];
    const key = await gw.createKey(undefined, BUDGET);
    const first = await send(key, surface, stream);
    expect(first.status).toBe(200);
    expect(calls()).toHaveLength(1);

    const refused = await send(key, surface, stream);
    expect(refused.status).toBe(429);
    const body = JSON.parse(refused.text) as { error: { type: string; code: string; message: string } };
    expect(contractValidator(surface.envelope)(body)).toBeNull();
    expect(body.error).toMatchObject({ type: surface.type, code: 'budget_exceeded' });
    expect(body.error.message).toContain('total token budget');
    expect(calls()).toHaveLength(1);
    const event = await eventually(() => gw.auditEventFor(refused.requestId));
    expect(event).toMatchObject({ status: 429, outcome: 'budget_exceeded' });
    expect(event.meta).toMatchObject({ model: surface.body(stream).model });
  });
});
