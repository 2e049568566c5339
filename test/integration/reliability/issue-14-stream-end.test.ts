/**
 * Issue 14, "a response is not complete until its audit event is durable", for streams: the stream's final event
 * (`data: [DONE]` on OpenAI SSE, the `"done": true` line on Ollama NDJSON) waits for the group commit that holds
 * the request's event, so a client that stops reading at the final event never holds a stream whose event could
 * still be lost. The events before it flow as they come. Passthrough and translated streams alike.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeLlmUpstream, type FakeLlmUpstream } from '../../helpers/fake-llm-upstream.ts';
import { eventually, readAuditEvents } from '../../helpers/gateway.ts';
import { type LlmTestGateway, startLlmGateway } from '../llm/support.ts';

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'omega'];

interface Case {
  name: string;
  path: string;
  model: string;
  body: Record<string, unknown>;
  final: RegExp;
}

const CASES: Case[] = [
  {
    name: 'OpenAI SSE passthrough',
    path: '/v1/chat/completions',
    model: 'gpt-4o-mini',
    body: { stream: true, stream_options: { include_usage: true } },
    final: /^data: \[DONE\]$/m,
  },
  { name: 'Ollama NDJSON passthrough', path: '/api/chat', model: 'llama3', body: {}, final: /"done":\s*true/ },
  {
    name: 'Ollama client, OpenAI upstream',
    path: '/api/chat',
    model: 'gpt-4o-mini',
    body: {},
    final: /"done":\s*true/,
  },
  {
    name: 'OpenAI client, Ollama upstream',
    path: '/v1/chat/completions',
    model: 'llama3',
    body: { stream: true },
    final: /^data: \[DONE\]$/m,
  },
];

describe('[INV-2] issue 14: a stream ends only once its event is durable', () => {
  let upstream: FakeLlmUpstream;
  let gw: LlmTestGateway;
  let headers: Record<string, string>;

  beforeAll(async () => {
    upstream = await createFakeLlmUpstream();
    upstream.replyText = WORDS.join(' ');
    gw = await startLlmGateway({
      file: {
        // Commits only when the test flushes, so "before" and "after" the commit are two states the test controls.
        audit: { batch_size: 1000, flush_interval_ms: 600_000 },
        upstreams: [
          { id: 'openai', provider: 'openai', base_url: `${upstream.origin}/v1` },
          { id: 'ollama', provider: 'ollama', base_url: upstream.origin },
        ],
        models: [
          { name: 'gpt-4o-mini', targets: [{ upstream: 'openai', model: 'gpt-4o-mini' }] },
          { name: 'llama3', targets: [{ upstream: 'ollama', model: 'llama3' }] },
        ],
      },
    });
    headers = { authorization: `Bearer ${await gw.createKey()}`, 'content-type': 'application/json' };
  });
  afterAll(async () => {
    await gw?.dispose();
    await upstream?.close();
  });

  it.each(CASES)('$name: every event but the last arrives before the commit, the last after it', async (c) => {
    await gw.gateway.audit.flush();
    // Apart in time, so the events before the final one reach the gateway (and the client) on their own.
    upstream.fail({ type: 'slow', delayMs: 20 }, { times: 1 });
    const reply = await request(`${gw.baseUrl}${c.path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: c.model, messages: [{ role: 'user', content: 'hi' }], ...c.body }),
    });
    expect(reply.statusCode).toBe(200);
    const id = String(reply.headers['x-gatehouse-request-id']);
    let text = '';
    const reading = (async () => {
      for await (const chunk of reply.body) text += (chunk as Buffer).toString('utf8');
    })();
    await eventually(() => text.includes('omega'), { timeoutMs: 10_000 });
    await eventually(() => gw.gateway.audit.depth >= 1, { timeoutMs: 10_000 });
    // Ample time for a final event already sent to arrive.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(text).not.toMatch(c.final);
    expect((await readAuditEvents(gw.gateway.store)).some((event) => event.request_id === id)).toBe(false);

    await gw.gateway.audit.flush();
    await reading;
    expect(text).toMatch(c.final);
    expect((await readAuditEvents(gw.gateway.store)).filter((event) => event.request_id === id)).toHaveLength(1);
  });
});
